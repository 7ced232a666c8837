/**
 * The remote `Specialists`: the same contract as the in-process service,
 * over HTTP and SSE to an `aish serve` (undici keep-alive pool). Leaving a
 * stream early aborts its HTTP request, so the server stops the model call.
 *
 * Resilience: a 429 is retried after its `Retry-After` (the server refused it
 * before doing anything); a request that never reached the server
 * (connection refused) is retried, and so is one whose connection dropped
 * before any answer when repeating it is harmless (GETs, streams: the server
 * stops a stream's model call when its connection drops). Attempts are few,
 * waits are bounded and end early on the caller's signal (`--timeout`, Ctrl-C).
 */
import { Agent, request as httpRequest, type Dispatcher } from 'undici';
import {
  AishError,
  backoffWithJitterMs,
  describeNetworkError,
  retryAfterMs,
  sleep,
  networkErrorCode,
  type BestMatch,
  type CreateSessionRequest,
  type ErrorCode,
  type MessageRequest,
  type MessageResponse,
  type RenewSessionRequest,
  type SessionDetail,
  type SessionInfo,
  type SessionMessageRequest,
  type SessionSummary,
  type SpecialistInfo,
  type Specialists,
  type StreamEvent,
} from '../protocol/index.js';
import { readSse } from './sse-reader.js';
import { unauthorized } from './unauthorized.js';

export interface RemoteOptions {
  /** Bearer token for a server started with `--token`. */
  token?: string;
  /** First wait before retrying a failed connection (doubled each time; default 250 ms). */
  retryBaseMs?: number;
  /** Where the jitter of those waits comes from (`Math.random` by default); called once per wait. Tests pass their own. */
  random?: () => number;
}

/** Tries per request (the first included) when the server rate-limits the client. */
const RATE_LIMITED_ATTEMPTS = 4;
/** Tries per request when the connection fails. */
const CONNECTION_ATTEMPTS = 3;
/** Most time spent waiting on `Retry-After`s for one request; beyond it the 429 is the answer. */
const RATE_LIMIT_WAIT_BUDGET_MS = 30_000;
const DEFAULT_RETRY_BASE_MS = 250;

/** Connection failures that mean the request never reached the server: any call may be repeated. */
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Connection failures after sending, before any answer: only harmless calls are repeated. */
const DROPPED = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** Which calls may be sent again after their connection dropped. */
type Repeatable = 'always' | 'if-not-sent';

interface ServerFeatures {
  streaming: boolean;
}

export class RemoteSpecialists implements Specialists {
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  private readonly base: string;
  private features: Promise<ServerFeatures> | undefined;

  constructor(
    baseUrl: string,
    private readonly options: RemoteOptions = {},
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  async list(): Promise<SpecialistInfo[]> {
    const body = (await this.json('GET', '/api/v2/discovery/ais')) as { ais: SpecialistInfo[] };
    return body.ais;
  }

  async best(capability: string, threshold: number): Promise<BestMatch> {
    const query = new URLSearchParams({ capability, threshold: String(threshold) });
    return (await this.json('GET', `/api/v2/discovery/best?${query}`)) as BestMatch;
  }

  async createSession(request: CreateSessionRequest): Promise<SessionInfo> {
    return (await this.json('POST', '/api/v2/sessions', request)) as SessionInfo;
  }

  async getSession(idOrName: string): Promise<SessionDetail> {
    return (await this.json('GET', `/api/v2/sessions/${encodeURIComponent(idOrName)}`)) as SessionDetail;
  }

  async listSessions(): Promise<SessionSummary[]> {
    return ((await this.json('GET', '/api/v2/sessions')) as { sessions: SessionSummary[] }).sessions;
  }

  async renewSession(idOrName: string, request: RenewSessionRequest = {}): Promise<SessionInfo> {
    return (await this.json('POST', `/api/v2/sessions/${encodeURIComponent(idOrName)}/renew`, request)) as SessionInfo;
  }

  async deleteSession(idOrName: string): Promise<{ status: 'deleted'; session_id: string }> {
    return (await this.json('DELETE', `/api/v2/sessions/${encodeURIComponent(idOrName)}`)) as { status: 'deleted'; session_id: string };
  }

  async importSession(data: unknown, options: { force?: boolean }): Promise<SessionInfo> {
    return (await this.json('POST', `/api/v2/sessions/import${options.force ? '?force=true' : ''}`, data)) as SessionInfo;
  }

  async *streamSession(idOrName: string, request: SessionMessageRequest, signal?: AbortSignal): AsyncIterable<StreamEvent> {
    yield* this.sse(`/api/v2/sessions/${encodeURIComponent(idOrName)}/message`, { ...request, stream: true }, signal);
  }

  async *stream(specialistId: string, request: MessageRequest, signal?: AbortSignal): AsyncIterable<StreamEvent> {
    const path = `/api/v2/ai/${encodeURIComponent(specialistId)}`;
    if (!(await this.serverFeatures()).streaming) {
      yield* this.unstreamed(path, specialistId, request, signal);
      return;
    }
    yield* this.sse(`${path}/stream`, request, signal);
  }

  /** POSTs a body and reads the answer as stream events. */
  private async *sse(path: string, body: unknown, signal?: AbortSignal): AsyncIterable<StreamEvent> {
    const response = await this.send('POST', path, body, signal, 'always');
    if (response.statusCode !== 200) throw await errorFrom(response);
    try {
      for await (const message of readSse(response.body)) yield parseEvent(message.data);
    } catch (error) {
      if (signal?.aborted) return;
      if (error instanceof AishError) throw error;
      yield { type: 'error', code: 'UNREACHABLE', message: `the connection to ${this.base} broke mid-answer (${describeNetworkError(error)})` };
    } finally {
      // Leaving early (a reader that went away, Ctrl-C) closes the request: the server cancels the model call.
      if (!response.body.destroyed) response.body.destroy();
    }
  }

  /** A server without streaming: the message endpoint, replayed as one stream. */
  private async *unstreamed(path: string, specialistId: string, request: MessageRequest, signal?: AbortSignal): AsyncIterable<StreamEvent> {
    const answer = (await this.json('POST', `${path}/message`, request, signal)) as MessageResponse;
    yield { type: 'start', specialist_id: answer.specialist_id ?? specialistId, request_id: '', model: answer.model };
    if (answer.content) yield { type: 'content', data: answer.content, specialist_id: answer.specialist_id };
    yield { type: 'done', specialist_id: answer.specialist_id, tokens_used: answer.tokens_used, finish_reason: answer.finish_reason };
  }

  private serverFeatures(): Promise<ServerFeatures> {
    this.features ??= this.json('GET', '/api/capabilities').then(
      (body) => {
        const features = (body as { features?: { streaming?: boolean } }).features;
        return { streaming: features?.streaming !== false };
      },
      (error) => {
        this.features = undefined;
        throw error;
      },
    );
    return this.features;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async json(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    const response = await this.send(method, path, body, signal, method === 'GET' ? 'always' : 'if-not-sent');
    if (response.statusCode >= 400) throw await errorFrom(response);
    try {
      return await response.body.json();
    } catch (error) {
      throw new AishError('INTERNAL', `the server at ${this.base} sent a body that is not JSON (${describeNetworkError(error)})`);
    }
  }

  /** Sends a request, retrying as the module comment says; a 401 becomes one line that says what to do. */
  private async send(method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, signal: AbortSignal | undefined, repeatable: Repeatable): Promise<Dispatcher.ResponseData> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      let response: Dispatcher.ResponseData;
      try {
        response = await this.attempt(method, path, text, signal);
      } catch (error) {
        if (signal?.aborted) throw new AishError('CANCELLED', 'cancelled', undefined, { cause: error });
        if (attempt >= CONNECTION_ATTEMPTS || !mayRepeat(error, repeatable)) {
          throw new AishError('UNREACHABLE', `cannot reach the specialist server at ${this.base} (${describeNetworkError(error)})`, { url: this.base }, { cause: error });
        }
        await pause(this.backoffMs(attempt), signal);
        continue;
      }
      if (response.statusCode === 401) {
        await response.body.dump();
        throw this.unauthorized();
      }
      if (response.statusCode === 429 && attempt < RATE_LIMITED_ATTEMPTS) {
        const waitMs = retryAfterMs(response.headers['retry-after']) ?? this.backoffMs(attempt);
        if (waitedMs + waitMs <= RATE_LIMIT_WAIT_BUDGET_MS) {
          await response.body.dump();
          await pause(waitMs, signal);
          waitedMs += waitMs;
          continue;
        }
      }
      return response;
    }
  }

  private async attempt(method: 'GET' | 'POST' | 'DELETE', path: string, body: string | undefined, signal: AbortSignal | undefined): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { accept: 'application/json, text/event-stream' };
    // Every POST says JSON, with or without a body: the server refuses other POSTs (415) so web pages cannot send them.
    if (body !== undefined || method === 'POST') headers['content-type'] = 'application/json';
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    return httpRequest(`${this.base}${path}`, {
      method,
      headers,
      dispatcher: this.agent,
      ...(body !== undefined && { body }),
      ...(signal && { signal }),
    });
  }

  /** The wait before try number `attempt + 1`: exponential backoff with full jitter. */
  private backoffMs(attempt: number): number {
    return backoffWithJitterMs(attempt, this.options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS, Infinity, this.options.random);
  }

  private unauthorized(): AishError {
    return unauthorized(this.base, Boolean(this.options.token));
  }
}

function mayRepeat(error: unknown, repeatable: Repeatable): boolean {
  const code = networkErrorCode(error) ?? '';
  return NOT_SENT.has(code) || (repeatable === 'always' && DROPPED.has(code));
}


/** Waits, unless the caller gives up first (`--timeout`, Ctrl-C): then CANCELLED. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  await sleep(ms, signal);
  if (signal?.aborted) throw new AishError('CANCELLED', 'cancelled');
}

function parseEvent(data: string): StreamEvent {
  try {
    const event = JSON.parse(data) as StreamEvent;
    if (typeof event === 'object' && event !== null && typeof event.type === 'string') return event;
  } catch {
    // reported below
  }
  throw new AishError('PROVIDER_ERROR', `the server sent an event that is not a stream event: ${data.slice(0, 80)}`);
}

/** The protocol's error body as an AishError with the server's code and message. */
async function errorFrom(response: Dispatcher.ResponseData): Promise<AishError> {
  let text = '';
  try {
    text = await response.body.text();
    const { error } = JSON.parse(text) as { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } };
    return new AishError(error.code, error.message, error.details);
  } catch {
    return new AishError('INTERNAL', `the server answered ${response.statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }
}

