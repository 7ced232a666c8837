/**
 * The failures every adapter can meet, built in one place so that they read
 * the same for every provider: `provider <what happened> (<provider>, <detail>)`
 * followed by the provider's own message after a colon when it gave one.
 */
import { describeNetworkError, networkErrorCode, type ErrorCode } from '../protocol/index.js';
import type { ModelErrorPart } from './provider.js';

/** The fields of a provider failure, as `ProviderError` and the `error` part carry them. */
export interface ProviderErrorFields {
  /** The adapter's name: `openai`, `anthropic`, `ollama`. */
  provider: string;
  code: ErrorCode;
  message: string;
  status?: number;
  retryAfterSeconds?: number;
  retryable?: boolean;
}

/**
 * A provider failure raised inside an adapter. It never crosses the
 * `LanguageModel` interface: `guardStream` turns it into an `error` part, so
 * adapters can stop a stream from any depth with a plain `throw`.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly provider: string;
  readonly code: ErrorCode;
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  readonly retryable?: boolean;

  constructor(fields: ProviderErrorFields, options?: { cause?: unknown }) {
    super(fields.message, options);
    this.provider = fields.provider;
    this.code = fields.code;
    if (fields.status !== undefined) this.status = fields.status;
    if (fields.retryAfterSeconds !== undefined) this.retryAfterSeconds = fields.retryAfterSeconds;
    if (fields.retryable !== undefined) this.retryable = fields.retryable;
  }

  /** The failure as the last part of a stream. */
  toPart(): ModelErrorPart {
    const part: ModelErrorPart = { type: 'error', code: this.code, message: this.message };
    if (this.status !== undefined) part.status = this.status;
    if (this.retryAfterSeconds !== undefined) part.retryAfterSeconds = this.retryAfterSeconds;
    if (this.retryable !== undefined) part.retryable = this.retryable;
    return part;
  }
}

/** What an adapter reads out of a provider's error (an HTTP error body or an in-stream error). */
export interface ProviderErrorDetail {
  /** The provider's own words, kept as they are. */
  message?: string;
  /** Set when the provider's error says retrying cannot help even though the status suggests it might (OpenAI `insufficient_quota`). */
  retryable?: boolean;
}

interface Classification {
  code: ErrorCode;
  what: string;
  retryable: boolean;
}

/** One table from an HTTP status (or an in-stream error's equivalent status) to code, wording and retryability. */
function classify(status: number, detail: ProviderErrorDetail, otherwise: string): Classification {
  if (status === 401 || status === 403) return { code: 'PROVIDER_ERROR', what: 'rejected the API key', retryable: false };
  if (status === 429 && detail.retryable !== false) return { code: 'PROVIDER_UNAVAILABLE', what: 'is rate limiting requests', retryable: true };
  if (status === 503 || status === 529) return { code: 'PROVIDER_UNAVAILABLE', what: 'is overloaded', retryable: true };
  // The official SDKs retry 408, 409 and every 5xx; the retry layer may too.
  const transient = status === 408 || status === 409 || status >= 500;
  return { code: 'PROVIDER_ERROR', what: otherwise, retryable: transient && detail.retryable !== false };
}

/** `provider <what> (<provider>, <details…>)[: <provider's message>]`. */
export function describeFailure(what: string, provider: string, details: readonly (string | number)[], providerMessage?: string): string {
  const message = `provider ${what} (${[provider, ...details].join(', ')})`;
  const own = providerMessage?.trim();
  return own ? `${message}: ${own}` : message;
}

/** Hints a response's headers give about retrying. */
export interface RetryHints {
  retryAfterSeconds?: number;
  /** The provider's `x-should-retry` header, which wins over the status. */
  shouldRetry?: boolean;
}

/** The provider answered the request with an error status (before any stream started). */
export function httpStatusFailure(provider: string, status: number, hints: RetryHints, detail: ProviderErrorDetail): ProviderError {
  const { code, what, retryable } = classify(status, detail, 'returned an error');
  const details: (string | number)[] = [status];
  if (hints.retryAfterSeconds !== undefined) details.push(`retry after ${hints.retryAfterSeconds} s`);
  const fields: ProviderErrorFields = { provider, code, message: describeFailure(what, provider, details, detail.message), status, retryable: hints.shouldRetry ?? retryable };
  if (hints.retryAfterSeconds !== undefined) fields.retryAfterSeconds = hints.retryAfterSeconds;
  return new ProviderError(fields);
}

/**
 * The provider reported an error inside a stream that had started with a 200.
 * `type` is the provider's error type, when it names one; `equivalentStatus`
 * is the status the provider documents for that error outside a stream
 * (Anthropic's `overloaded_error` is a 529), so both read alike.
 */
export function inStreamFailure(provider: string, type: string | undefined, equivalentStatus: number, detail: ProviderErrorDetail): ProviderError {
  const { code, what, retryable } = classify(equivalentStatus, detail, 'failed mid-stream');
  return new ProviderError({ provider, code, message: describeFailure(what, provider, type ? [type] : [], detail.message), retryable });
}

/** No API key is configured for a provider that needs one; no request is made. */
export function missingApiKey(provider: string, environmentVariable: string): ProviderError {
  return new ProviderError({
    provider,
    code: 'PROVIDER_ERROR',
    message: `no API key for ${provider} (set providers.${provider}.api_key or ${environmentVariable})`,
    retryable: false,
  });
}

/** The request never got an answer: connection refused, DNS, TLS, a socket error. */
export function unreachable(provider: string, url: string, cause: unknown): ProviderError {
  return new ProviderError(
    { provider, code: 'PROVIDER_UNAVAILABLE', message: `cannot reach ${provider} at ${redactUrl(url)} (${describeNetworkError(cause)})`, retryable: true },
    { cause },
  );
}

/** The connection broke while the answer was streaming. */
export function connectionLost(provider: string, url: string, cause: unknown): ProviderError {
  return new ProviderError(
    { provider, code: 'PROVIDER_UNAVAILABLE', message: `lost the connection to ${provider} at ${redactUrl(url)} (${describeNetworkError(cause)})`, retryable: true },
    { cause },
  );
}

/** Undici's own timeouts: no connection (limits.connect_timeout), no headers, or no body bytes, for too long. */
export function timedOut(provider: string, url: string, cause: unknown): ProviderError {
  const code = errorCode(cause);
  const what = code === 'UND_ERR_CONNECT_TIMEOUT' ? `could not connect to ${provider} at ${redactUrl(url)} in time (limits.connect_timeout)` : `${provider} at ${redactUrl(url)} stopped answering (${describeNetworkError(cause)})`;
  return new ProviderError({ provider, code: 'TIMEOUT', message: what, retryable: true }, { cause });
}

/** The stream ended without the provider's end marker (`[DONE]`, `message_stop`, `done: true`). */
export function truncatedStream(provider: string, missing: string): ProviderError {
  return new ProviderError({ provider, code: 'PROVIDER_ERROR', message: describeFailure('ended the stream early', provider, [`no ${missing}`]), retryable: true });
}

/** The stream held something that cannot be read: bad JSON, an unexpected shape, an over-long line. */
export function malformedStream(provider: string, reason: string, cause?: unknown): ProviderError {
  return new ProviderError({ provider, code: 'PROVIDER_ERROR', message: describeFailure('sent a malformed stream', provider, [reason]), retryable: false }, { cause });
}

/** The stable code of a network error (`ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_SOCKET`…), looking through wrappers. */
export function errorCode(error: unknown): string {
  return networkErrorCode(error) ?? (error instanceof Error ? error.name : 'unknown error');
}

/** A URL fit for a message: credentials in it (`https://user:secret@host`) are dropped. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}
