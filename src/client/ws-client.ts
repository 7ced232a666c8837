/**
 * A JSON-RPC 2.0 connection over one WebSocket: requests matched to their
 * responses by id, notifications routed to the request they name, `stream`
 * calls as async iterables, an AbortSignal that sends `cancel`, and
 * reconnection with exponential backoff and full jitter after the connection
 * drops. Calls made while it reconnects wait for it.
 */
import { WebSocket } from 'ws';
import { AishError, backoffWithJitterMs, describeNetworkError, sleep, errorCodeForRpc, ERROR_TABLE, RPC_METHODS, RPC_NOTIFICATIONS, type ErrorCode, type ParamsOf, type ResultOf, type RpcRequestType } from '../protocol/index.js';
import { unauthorized } from './unauthorized.js';
import type { ConnectionEvent, RpcChatParams, RpcChatResult, StreamChunkParams, StreamStartParams, StreamToolDoneParams, StreamToolStartParams } from '../protocol/websocket.js';

export interface RpcClientOptions {
  /** Sent as `Authorization: Bearer TOKEN` on the upgrade. */
  token?: string;
  /** The first wait is at most `initialMs`, doubling up to `maxMs`; `attempts` tries before giving up (default: no limit). */
  reconnect?: { initialMs?: number; maxMs?: number; attempts?: number };
  /** How long a call waits for a connection (first or renewed) before it fails (default 30 s). */
  connectTimeoutMs?: number;
  /** Largest frame taken from the server (default 64 MiB). */
  maxPayloadBytes?: number;
}

/** What a `stream` call hears before its response, in order: who answers (`stream.start`), then the pieces. */
export type StreamNotice =
  | { type: 'start'; start: StreamStartParams }
  | { type: 'chunk'; chunk: StreamChunkParams }
  | { type: 'tool.start'; tool: StreamToolStartParams }
  | { type: 'tool.done'; tool: StreamToolDoneParams };

/** A `stream` call: its start and chunks as they come, then `result`. */
export interface StreamCall extends AsyncIterable<StreamNotice> {
  /** The final response; rejects with the call's error. */
  readonly result: Promise<RpcChatResult>;
}

interface Settings {
  token: string | undefined;
  reconnect: { initialMs: number; maxMs: number; attempts: number };
  connectTimeoutMs: number;
  maxPayloadBytes: number;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: AishError): void;
  onNotification?(method: string, params: unknown): void;
}

type State = 'idle' | 'connecting' | 'open' | 'closed';

/** Chunks a consumer may leave unread before the socket stops reading. */
const MAX_QUEUED_CHUNKS = 4096;

export class RpcWebSocketClient {
  private socket: WebSocket | undefined;
  private state: State = 'idle';
  private opening: Promise<WebSocket> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: ConnectionEvent) => void>();
  private readonly notificationListeners = new Set<(method: string, params: unknown) => void>();
  /** Ends the wait before the next reconnection attempt (on close). */
  private readonly waiting = new AbortController();
  private readonly options: Settings;

  constructor(
    readonly url: string,
    options: RpcClientOptions = {},
  ) {
    this.options = {
      token: options.token,
      reconnect: { initialMs: 200, maxMs: 5000, attempts: Number.POSITIVE_INFINITY, ...options.reconnect },
      connectTimeoutMs: options.connectTimeoutMs ?? 30_000,
      maxPayloadBytes: options.maxPayloadBytes ?? 64 * 1024 * 1024,
    };
  }

  /** Hears `reconnecting`, `reconnected` and `disconnected` until the returned function is called. */
  onConnection(listener: (event: ConnectionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hears notifications that belong to no request (`event.status`). */
  onNotification(listener: (method: string, params: unknown) => void): () => void {
    this.notificationListeners.add(listener);
    return () => this.notificationListeners.delete(listener);
  }

  /** One request; resolves with its result or rejects with an AishError (the server's code kept). */
  async request<M extends RpcRequestType<unknown, unknown>>(method: M, params: ParamsOf<M>, signal?: AbortSignal): Promise<ResultOf<M>> {
    const { promise } = await this.send(method.method, params as object, signal);
    return promise as Promise<ResultOf<M>>;
  }

  /** A `stream` request: iterate for its start and chunks; leaving the loop early or aborting `signal` sends `cancel`. */
  stream(params: RpcChatParams, signal?: AbortSignal): StreamCall {
    const queue: StreamNotice[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    let paused = false;
    let id: number | undefined;
    const started = this.send(RPC_METHODS.stream.method, params, signal, (method, notification) => {
      if (method === RPC_NOTIFICATIONS.streamStart.method) queue.push({ type: 'start', start: notification as StreamStartParams });
      else if (method === RPC_NOTIFICATIONS.streamChunk.method) queue.push({ type: 'chunk', chunk: notification as StreamChunkParams });
      else if (method === RPC_NOTIFICATIONS.streamToolStart.method) queue.push({ type: 'tool.start', tool: notification as StreamToolStartParams });
      else if (method === RPC_NOTIFICATIONS.streamToolDone.method) queue.push({ type: 'tool.done', tool: notification as StreamToolDoneParams });
      else return;
      if (queue.length > MAX_QUEUED_CHUNKS && !paused) {
        paused = true;
        this.socket?.pause();
      }
      wake?.();
    });
    let left = false;
    const result = started.then(({ id: sent, promise }) => {
      id = sent;
      // The loop was left before the request went out: stop it now.
      if (left) this.cancel(sent);
      return promise as Promise<RpcChatResult>;
    });
    result.then(
      () => ((finished = true), wake?.()),
      () => ((finished = true), wake?.()),
    );
    const client = this;
    async function* notices(): AsyncGenerator<StreamNotice> {
      try {
        for (;;) {
          if (queue.length > 0) {
            const notice = queue.shift()!;
            if (paused && queue.length < MAX_QUEUED_CHUNKS / 2) {
              paused = false;
              client.socket?.resume();
            }
            yield notice;
          } else if (finished) {
            await result; // throws the call's error
            return;
          } else {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
          }
        }
      } finally {
        left = true;
        if (!finished && id !== undefined) client.cancel(id);
        if (paused) client.socket?.resume();
      }
    }
    return { [Symbol.asyncIterator]: notices, result };
  }

  /** Closes the connection for good; calls still waiting fail with `CANCELLED`. */
  async close(): Promise<void> {
    this.state = 'closed';
    this.waiting.abort();
    this.failAll(new AishError('CANCELLED', 'the connection was closed'));
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close(1000);
      setTimeout(() => socket.terminate(), 1000).unref();
    });
  }

  /** Sends a request once connected; `promise` settles with its response. */
  private async send(method: string, params: object | undefined, signal?: AbortSignal, onNotification?: Pending['onNotification']): Promise<{ id: number; promise: Promise<unknown> }> {
    if (signal?.aborted) throw cancelled();
    const socket = await this.connected(signal);
    const id = this.nextId++;
    let entry!: Pending;
    const promise = new Promise<unknown>((resolve, reject) => {
      entry = { resolve, reject, ...(onNotification && { onNotification }) };
    });
    this.pending.set(id, entry);
    const onAbort = (): void => {
      if (!this.pending.has(id)) return;
      this.cancel(id);
      entry.reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => signal?.removeEventListener('abort', onAbort),
      () => signal?.removeEventListener('abort', onAbort),
    );
    promise.catch(() => {});
    socket.send(JSON.stringify({ jsonrpc: '2.0', method, ...(params && { params }), id }));
    return { id, promise };
  }

  /** Stops a running call: tells the server, and settles the call here at once. */
  private cancel(id: number): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    entry.reject(cancelled());
    if (this.socket?.readyState === WebSocket.OPEN) {
      const cancelId = this.nextId++;
      this.socket.send(JSON.stringify({ jsonrpc: '2.0', method: RPC_METHODS.cancel.method, params: { request_id: id }, id: cancelId }));
    }
  }

  /** The open socket, connecting (or waiting for a reconnection) first. */
  private connected(signal?: AbortSignal): Promise<WebSocket> {
    if (this.state === 'closed') return Promise.reject(new AishError('CANCELLED', 'the connection was closed'));
    if (this.state === 'open' && this.socket) return Promise.resolve(this.socket);
    if (this.state === 'idle') this.opening = this.firstConnect();
    return waitFor(this.opening!, this.options.connectTimeoutMs, signal, () => new AishError('UNREACHABLE', `cannot reach ${this.url}: still not connected after ${Math.round(this.options.connectTimeoutMs / 1000)} s`, { url: this.url }));
  }

  /** The first connection (or the first after giving up): a failure fails the waiting calls at once. */
  private firstConnect(): Promise<WebSocket> {
    this.state = 'connecting';
    const opening = this.open().catch((error: AishError) => {
      if (this.state === 'connecting') this.state = 'idle';
      throw error;
    });
    opening.catch(() => {});
    return opening;
  }

  /** One attempt to open the socket; rejects with UNREACHABLE, or with the server's refusal (401, 404 …). */
  private open(): Promise<WebSocket> {
    const headers: Record<string, string> = {};
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const socket = new WebSocket(this.url, { headers, maxPayload: this.options.maxPayloadBytes, perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      socket.once('unexpected-response', (_request, response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => reject(refusal(response.statusCode ?? 0, text, this.url, Boolean(this.options.token))));
        response.on('error', () => reject(refusal(response.statusCode ?? 0, text, this.url, Boolean(this.options.token))));
      });
      socket.once('error', (error) => reject(new AishError('UNREACHABLE', `cannot reach ${this.url} (${describeNetworkError(error)})`, { url: this.url }, { cause: error })));
      socket.once('open', () => {
        if (this.state === 'closed') {
          socket.terminate();
          return reject(new AishError('CANCELLED', 'the connection was closed'));
        }
        socket.removeAllListeners('error');
        socket.on('error', () => {});
        socket.on('message', (data) => this.receive(String(data)));
        socket.once('close', (code, reason) => this.dropped(socket, code, String(reason)));
        this.socket = socket;
        this.state = 'open';
        resolve(socket);
      });
    });
  }

  /** The connection dropped under us: calls in flight fail; a renewed connection is sought in the background. */
  private dropped(socket: WebSocket, code: number, reason: string): void {
    if (this.socket !== socket || this.state === 'closed') return;
    this.socket = undefined;
    this.failAll(new AishError('UNREACHABLE', 'the connection to the server was lost', { url: this.url, close_code: code }));
    this.state = 'connecting';
    this.opening = this.reconnect(code === 1006 || reason === '' ? `closed (${code})` : `${reason} (${code})`);
    this.opening.catch(() => {});
  }

  /** Attempts with exponential backoff and full jitter until one succeeds, the server refuses, or `attempts` run out. */
  private async reconnect(reason: string): Promise<WebSocket> {
    const { initialMs, maxMs, attempts } = this.options.reconnect;
    let failure: AishError = new AishError('UNREACHABLE', `cannot reach ${this.url}`);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const delay = backoffWithJitterMs(attempt, initialMs, maxMs);
      this.emit({ type: 'reconnecting', attempt, delay_ms: Math.round(delay), reason: attempt === 1 ? reason : failure.message });
      await sleep(delay, this.waiting.signal);
      if (this.closed()) throw new AishError('CANCELLED', 'the connection was closed');
      try {
        const socket = await this.open();
        this.emit({ type: 'reconnected', attempts: attempt });
        return socket;
      } catch (error) {
        failure = error as AishError;
        if (failure.code !== 'UNREACHABLE' || this.closed()) break;
      }
    }
    if (!this.closed()) this.state = 'idle';
    this.emit({ type: 'disconnected', error: failure });
    throw failure;
  }

  private closed(): boolean {
    return this.state === 'closed';
  }

  private receive(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return; // not JSON-RPC: nothing can be matched to it
    }
    for (const item of Array.isArray(message) ? message : [message]) {
      if (typeof item !== 'object' || item === null) continue;
      const frame = item as { id?: unknown; method?: unknown; params?: { request_id?: unknown }; result?: unknown; error?: RpcErrorBody };
      if (typeof frame.method === 'string') this.routeNotification(frame.method, frame.params);
      else if (typeof frame.id === 'number') this.settle(frame.id, frame);
    }
  }

  private routeNotification(method: string, params: { request_id?: unknown } | undefined): void {
    const owner = typeof params?.request_id === 'number' ? this.pending.get(params.request_id) : undefined;
    if (owner?.onNotification) owner.onNotification(method, params);
    else if (params?.request_id === undefined) for (const listener of this.notificationListeners) listener(method, params);
  }

  private settle(id: number, frame: { result?: unknown; error?: RpcErrorBody }): void {
    const entry = this.pending.get(id);
    if (!entry) return; // cancelled here already
    this.pending.delete(id);
    if (frame.error) entry.reject(fromRpcError(frame.error));
    else entry.resolve(frame.result);
  }

  private failAll(error: AishError): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) entry.reject(error);
  }

  private emit(event: ConnectionEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

interface RpcErrorBody {
  code: number;
  message: string;
  data?: { code?: string; message?: string; details?: Record<string, unknown> };
}

/** A JSON-RPC error as an AishError: the code and message of `data` when the server sent them. */
function fromRpcError(error: RpcErrorBody): AishError {
  const named = error.data?.code;
  const code: ErrorCode = named !== undefined && named in ERROR_TABLE ? (named as ErrorCode) : errorCodeForRpc(error.code);
  return new AishError(code, error.data?.message ?? error.message, { ...error.data?.details, rpc_code: error.code });
}

/** An upgrade the server answered with an HTTP error: its protocol error body, or the status. */
function refusal(status: number, text: string, url: string, tokenGiven: boolean): AishError {
  if (status === 401) return unauthorized(url, tokenGiven);
  try {
    const { error } = JSON.parse(text) as { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } };
    if (error.code in ERROR_TABLE) return new AishError(error.code, error.message, error.details);
  } catch {
    // not the protocol's error body
  }
  return new AishError(status === 401 ? 'UNAUTHORIZED' : status === 404 ? 'NOT_FOUND' : 'UNREACHABLE', `${url} refused the WebSocket: HTTP ${status}`, { status });
}

function cancelled(): AishError {
  return new AishError('CANCELLED', 'cancelled');
}

/** `promise`, or a rejection after `ms` or when `signal` aborts. */
function waitFor<T>(promise: Promise<T>, ms: number, signal: AbortSignal | undefined, timeout: () => AishError): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(timeout()), ms);
    const onAbort = (): void => reject(cancelled());
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  });
}


/** `http://host:port` (an aish server's address) as the WebSocket endpoint of one specialist. */
export function webSocketUrl(server: string, specialist: string): string {
  const base = server.replace(/\/+$/, '').replace(/^http(s?):/i, 'ws$1:');
  return `${base}/ws/ai/${encodeURIComponent(specialist)}`;
}
