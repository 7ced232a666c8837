/**
 * The HTTP layer every adapter shares: one keep-alive connection pool, a JSON
 * POST whose answer is either a body to stream or a `ProviderError`, and the
 * reading of `retry-after` / `x-should-retry`. Provider specifics come in as
 * data (URL, headers, body, how to read the provider's error body).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request, type Dispatcher } from 'undici';
import { retryAfterMs } from '../protocol/index.js';
import {
  ProviderError,
  connectionLost,
  errorCode,
  httpStatusFailure,
  redactUrl,
  timedOut,
  unreachable,
  type ProviderErrorDetail,
  type RetryHints,
} from './provider-error.js';

/** How much of an error body is read to find the provider's message; the rest is discarded. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** How much of a body that is not JSON is quoted in a message (an HTML page from a proxy, say). */
const MAX_QUOTED_ERROR_CHARACTERS = 300;

/** undici's own connect timeout, used when the caller gives none. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** One pool per connect timeout (in practice one or two: the configured `limits.connect_timeout` values). */
const sharedPools = new Map<number, Agent>();

/**
 * The process's pool of keep-alive connections, made on first use, so
 * that models built per request still reuse connections (and TLS sessions).
 * Idle sockets do not keep the process alive. `connectTimeoutMs` (0 = no
 * limit) bounds opening a connection; it is fixed per pool in undici.
 */
export function sharedDispatcher(connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Dispatcher {
  let pool = sharedPools.get(connectTimeoutMs);
  if (!pool) {
    pool = new Agent({
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 10 * 60_000,
      // A local model may spend minutes loading before its first byte; the
      // retry and timeout layers above decide when to give up, not this one.
      headersTimeout: 10 * 60_000,
      bodyTimeout: 5 * 60_000,
      // undici reads a connect timeout of 0 as no limit.
      connect: { timeout: connectTimeoutMs },
    });
    sharedPools.set(connectTimeoutMs, pool);
  }
  return pool;
}

/** A JSON POST to a provider. */
export interface JsonPost {
  /** The adapter's name, for messages: `openai`. */
  provider: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal;
  /** Reads the provider's message out of its (parsed) JSON error body. */
  readError(body: unknown): ProviderErrorDetail;
  /** Defaults to `sharedDispatcher()`. */
  dispatcher?: Dispatcher;
}

/**
 * Sends `post` and returns the body of a 2xx answer as a stream of bytes.
 * An error status, or a request that never got an answer, throws a
 * `ProviderError`; an abort through `post.signal` throws undici's abort error
 * (the caller checks the signal). Leaving the returned stream early, or
 * aborting, destroys the request, so the upstream socket closes at once.
 */
export async function postJson(post: JsonPost): Promise<AsyncIterable<Uint8Array>> {
  checkUrl(post);
  let response: Dispatcher.ResponseData;
  try {
    response = await request(post.url, {
      method: 'POST',
      headers: { ...post.headers, 'content-type': 'application/json' },
      body: JSON.stringify(post.body),
      signal: post.signal,
      dispatcher: post.dispatcher ?? sharedDispatcher(),
    });
  } catch (error) {
    if (post.signal.aborted) throw error;
    throw isTimeout(error) ? timedOut(post.provider, post.url, error) : unreachable(post.provider, post.url, error);
  }
  if (response.statusCode < 200 || response.statusCode > 299) {
    const text = await readErrorBody(response.body, post.signal);
    throw httpStatusFailure(post.provider, response.statusCode, retryHints(response.headers), errorDetail(text, post.readError));
  }
  return streamBody(response.body, post);
}

/** Reads `retry-after-ms`, `retry-after` (seconds or an HTTP date) and `x-should-retry`. */
export function retryHints(headers: IncomingHttpHeaders, now = Date.now()): RetryHints {
  const hints: RetryHints = {};
  const seconds = retryAfterSeconds(headers, now);
  if (seconds !== undefined) hints.retryAfterSeconds = seconds;
  const shouldRetry = header(headers, 'x-should-retry');
  if (shouldRetry === 'true') hints.shouldRetry = true;
  if (shouldRetry === 'false') hints.shouldRetry = false;
  return hints;
}

function retryAfterSeconds(headers: IncomingHttpHeaders, now: number): number | undefined {
  // The official SDKs honour the non-standard `retry-after-ms` first.
  const milliseconds = Number(header(headers, 'retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds / 1000;
  // An HTTP date is measured against the server's clock when it sent one.
  const sent = Date.parse(header(headers, 'date') ?? '');
  const ms = retryAfterMs(header(headers, 'retry-after'), Number.isNaN(sent) ? now : sent);
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function checkUrl(post: JsonPost): void {
  let protocol = '';
  try {
    protocol = new URL(post.url).protocol;
  } catch {
    // reported below
  }
  if (protocol === 'http:' || protocol === 'https:') return;
  throw new ProviderError({ provider: post.provider, code: 'PROVIDER_ERROR', message: `invalid base URL for ${post.provider}: ${redactUrl(post.url)}`, retryable: false });
}

function isTimeout(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

/** The start of an error body as text; the rest is discarded (which closes that connection). */
async function readErrorBody(body: Dispatcher.ResponseData['body'], signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_ERROR_BODY_BYTES) break;
    }
  } catch (error) {
    // The status says enough when the body is lost; an abort still wins.
    if (signal.aborted) throw error;
  }
  return Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8');
}

function errorDetail(text: string, readError: JsonPost['readError']): ProviderErrorDetail {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const quoted = text.trim().replace(/\s+/g, ' ');
    if (quoted === '') return {};
    return { message: quoted.length > MAX_QUOTED_ERROR_CHARACTERS ? `${quoted.slice(0, MAX_QUOTED_ERROR_CHARACTERS)}…` : quoted };
  }
  return readError(parsed);
}

/** The body's bytes; a broken connection becomes a `ProviderError`, and leaving early destroys the request. */
async function* streamBody(body: Dispatcher.ResponseData['body'], post: JsonPost): AsyncGenerator<Uint8Array> {
  let complete = false;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) yield chunk;
    complete = true;
  } catch (error) {
    if (post.signal.aborted) throw error;
    throw isTimeout(error) ? timedOut(post.provider, post.url, error) : connectionLost(post.provider, post.url, error);
  } finally {
    if (!complete) body.destroy();
  }
}

/** `base` + `path`, whatever slashes the configured base URL ends with. */
export function endpoint(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

/** True when `url` points at `hostname` (the provider's own service rather than a compatible server). */
export function hasHostname(url: string, hostname: string): boolean {
  try {
    return new URL(url).hostname === hostname;
  } catch {
    return false;
  }
}
