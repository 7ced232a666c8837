/**
 * The WebSocket adapter (`GET /ws/ai/{id}`, docs/protocol.md "WebSocket JSON-RPC
 * 2.0"): `ws` in noServer mode behind node:http's `upgrade` event. Each text
 * frame goes through the JSON-RPC core (json-rpc.ts) to the methods
 * (ws-methods.ts); several calls run at once per connection. This file owns
 * the socket: heartbeat, frame limits, back-pressure, shutdown.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { AishError, RPC_NOTIFICATIONS, sleep, type ParamsOf, type RpcNotificationType } from '../protocol/index.js';
import { runAsClient, type SpecialistService } from '../service/index.js';
import { answerFrame, invalidRequest, type JsonRpcId, type RpcCall } from './json-rpc.js';
import { refuseUpgrade, type UpgradeHandler } from './upgrade.js';
import { rpcMethods, type RpcPeer } from './ws-methods.js';

/** Something a running call holds (a per-client stream slot) and gives back when it ends. */
export interface Held {
  release(): void;
}

export interface WebSocketOptions {
  service: SpecialistService;
  /** Largest frame accepted (default 1 MiB); a bigger one closes the connection with 1009. */
  maxPayloadBytes?: number;
  /** How often idle connections are pinged; one that has not answered by the next beat is dropped (default 30 s). */
  heartbeatMs?: number;
  /** Bytes waiting to be sent above which streams stop reading their models and requests are not read (default 1 MiB). */
  maxBufferedBytes?: number;
  /** A client that stays above `maxBufferedBytes` this long is disconnected with 1008 (default 30 s). */
  stuckMs?: number;
  /** `chat`/`stream` calls running at once on one connection (default 32); more are refused with -32004. */
  maxRunning?: number;
  /**
   * Per connection, from its upgrade request: what each `chat`/`stream` call
   * must take before it runs (a stream slot of its client); an AishError
   * refuses the call with that error.
   */
  callGate?: (request: IncomingMessage) => () => Held | AishError | Promise<Held | AishError>;
  /** Who the client of a connection is (from its upgrade request), for the service's count of each client's spending; the address when absent. */
  clientOf?: (request: IncomingMessage) => string;
}

const DEFAULTS = { maxPayloadBytes: 1024 * 1024, heartbeatMs: 30_000, maxBufferedBytes: 1024 * 1024, stuckMs: 30_000, maxRunning: 32 };

/** How long a closing handshake may take before the socket is cut. */
const CLOSE_GRACE_MS = 1000;

/** The path of the WebSocket JSON-RPC endpoint: `/ws/ai/{id}`. */
export const WEBSOCKET_ENDPOINT = /^\/ws\/ai\/(?<id>[^/]+)$/;

/** The `upgrade` handler for `startServer` (http.ts). */
export function createWebSocketServer(options: WebSocketOptions): UpgradeHandler {
  return new RpcWebSocketServer(options);
}

type Settings = typeof DEFAULTS & { callGate: WebSocketOptions['callGate'] };

class RpcWebSocketServer implements UpgradeHandler {
  private readonly sockets: WebSocketServer;
  private readonly connections = new Set<RpcConnection>();
  private readonly settings: Settings;
  private readonly dispatch: (call: RpcCall, peer: RpcPeer) => Promise<unknown>;
  private readonly heartbeat: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly options: WebSocketOptions) {
    this.settings = {
      maxPayloadBytes: options.maxPayloadBytes ?? DEFAULTS.maxPayloadBytes,
      heartbeatMs: options.heartbeatMs ?? DEFAULTS.heartbeatMs,
      maxBufferedBytes: options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
      stuckMs: options.stuckMs ?? DEFAULTS.stuckMs,
      maxRunning: options.maxRunning ?? DEFAULTS.maxRunning,
      callGate: options.callGate,
    };
    // No per-message deflate (ws's default): it costs ~300 KiB of zlib state per connection.
    this.sockets = new WebSocketServer({ noServer: true, maxPayload: this.settings.maxPayloadBytes, clientTracking: false });
    this.dispatch = rpcMethods(options.service);
    this.heartbeat = setInterval(() => {
      for (const connection of this.connections) connection.beat();
    }, this.settings.heartbeatMs);
    this.heartbeat.unref();
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): number {
    if (this.closing) return refuseUpgrade(socket, new AishError('UNREACHABLE', 'the server is shutting down'));
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const match = WEBSOCKET_ENDPOINT.exec(path);
    if (!match) return refuseUpgrade(socket, new AishError('NOT_FOUND', `no WebSocket endpoint at ${path} (use /ws/ai/{id})`));
    let specialistId: string;
    try {
      specialistId = this.options.service.specialist(decodeURIComponent(match[1]!)).id;
    } catch (error) {
      return refuseUpgrade(socket, error instanceof URIError ? new AishError('BAD_REQUEST', `bad specialist name in ${path}`) : error);
    }
    const gate = this.settings.callGate?.(request);
    const client = this.options.clientOf?.(request) ?? request.socket.remoteAddress ?? 'unknown';
    // ws answers a bad handshake itself (400); its callback runs, synchronously, only on success.
    let status = 400;
    this.sockets.handleUpgrade(request, socket, head, (webSocket) => {
      status = 101;
      const connection = new RpcConnection(webSocket, specialistId, this.options.service, this.dispatch, this.settings, gate, client);
      this.connections.add(connection);
      webSocket.once('close', () => this.connections.delete(connection));
    });
    return status;
  }

  async close(graceMs: number): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    const deadline = Date.now() + graceMs;
    while ([...this.connections].some((connection) => connection.busy) && Date.now() < deadline) await sleep(20);
    const closed = [...this.connections].map((connection) => connection.shutDown());
    await Promise.all(closed);
  }
}

/** One client: its running calls, subscription, heartbeat and back-pressure state. */
class RpcConnection implements RpcPeer {
  private readonly controller = new AbortController();
  private readonly running = new Map<JsonRpcId, AbortController>();
  /** Every running call's controller (notifications too), aborted when the connection closes. */
  private readonly calls = new Set<AbortController>();
  private frames = 0;
  private statusOff: (() => void) | undefined;
  private waiting: Promise<void> | undefined;
  /** Heard from since the last beat (a frame or a pong). */
  private heard = true;
  private pinged = false;

  constructor(
    private readonly socket: WebSocket,
    readonly specialistId: string,
    private readonly service: SpecialistService,
    private readonly dispatch: (call: RpcCall, peer: RpcPeer) => Promise<unknown>,
    private readonly settings: Settings,
    private readonly gate: (() => Held | AishError | Promise<Held | AishError>) | undefined,
    /** Who the client is: its calls run in its scope, so the server's budget_per_day counts them. */
    private readonly client: string,
  ) {
    socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    socket.on('pong', () => (this.heard = true));
    // ws reports bad frames (too big: 1009, bad UTF-8: 1007) as an error, then closes.
    socket.on('error', () => {});
    socket.once('close', () => {
      this.controller.abort();
      this.subscribeStatus(false);
    });
    this.controller.signal.addEventListener('abort', () => {
      for (const call of this.calls) call.abort();
    });
  }

  /** Frames still being answered. */
  get busy(): boolean {
    return this.frames > 0;
  }

  get statusSubscribed(): boolean {
    return this.statusOff !== undefined;
  }

  private receive(data: RawData, isBinary: boolean): void {
    this.heard = true;
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    let text: string;
    try {
      // ws checks text frames itself (1007); a binary frame is taken as JSON text when it is UTF-8.
      text = isBinary ? new TextDecoder('utf-8', { fatal: true }).decode(bytes) : bytes.toString('utf8');
    } catch {
      this.socket.close(1007, 'a binary frame that is not UTF-8 text');
      return;
    }
    this.frames++;
    answerFrame(text, (call) => runAsClient(this.client, () => this.dispatch(call, this)))
      .then((answer) => {
        if (answer !== undefined) this.send(JSON.stringify(answer));
      })
      .finally(() => this.frames--);
  }

  notify<N extends RpcNotificationType<unknown>>(notification: N, params: ParamsOf<N>): void {
    this.send(JSON.stringify({ jsonrpc: '2.0', method: notification.method, params }));
  }

  private send(text: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(text);
    if (this.socket.bufferedAmount > this.settings.maxBufferedBytes) this.congested();
  }

  congestion(): Promise<void> | undefined {
    return this.waiting;
  }

  /**
   * The client is not reading: stop reading its requests (its streams wait in
   * `congestion()`), check until it catches up, and drop it if it stays stuck.
   */
  private congested(): void {
    if (this.waiting) return;
    const since = Date.now();
    const every = Math.max(1, Math.min(25, this.settings.stuckMs / 4));
    this.socket.pause();
    this.waiting = new Promise((resolve) => {
      const check = (): void => {
        const open = this.socket.readyState === WebSocket.OPEN;
        const behind = open && this.socket.bufferedAmount > this.settings.maxBufferedBytes;
        if (behind && Date.now() - since < this.settings.stuckMs) return void setTimeout(check, every);
        if (behind) this.cut(1008, 'the client is not reading');
        else if (open) this.socket.resume();
        this.waiting = undefined;
        resolve();
      };
      setTimeout(check, every);
    });
  }

  /** The release at once when the call's slot is (a slot in this process, or none to take); a promise when it is asked for elsewhere. */
  track(id: JsonRpcId | undefined, controller: AbortController): (() => void) | Promise<() => void> {
    if (this.calls.size >= this.settings.maxRunning) {
      throw new AishError('RATE_LIMITED', `too many calls at once on this connection (at most ${this.settings.maxRunning})`, { max_running: this.settings.maxRunning });
    }
    if (id !== undefined && this.running.has(id)) throw invalidRequest(`the id ${JSON.stringify(id)} is already used by a call still running on this connection`);
    // Counted before the slot is asked for (a shared one answers later), so the checks above hold meanwhile.
    this.calls.add(controller);
    if (id !== undefined) this.running.set(id, controller);
    const untrack = (): void => {
      this.calls.delete(controller);
      if (id !== undefined && this.running.get(id) === controller) this.running.delete(id);
    };
    let held: Held | AishError | Promise<Held | AishError> | undefined;
    try {
      held = this.gate?.();
    } catch (error) {
      untrack();
      throw error;
    }
    if (held instanceof Promise) {
      return held.then(
        (answer) => this.admitted(answer, controller, untrack),
        (error: unknown) => {
          untrack();
          throw error;
        },
      );
    }
    return this.admitted(held, controller, untrack);
  }

  /** The call's release once its slot is known; a refusal is thrown. */
  private admitted(held: Held | AishError | undefined, controller: AbortController, untrack: () => void): () => void {
    if (held instanceof AishError) {
      untrack();
      throw held;
    }
    if (this.controller.signal.aborted) controller.abort();
    return () => {
      untrack();
      held?.release();
    };
  }

  cancel(id: JsonRpcId): boolean {
    const controller = this.running.get(id);
    controller?.abort();
    return controller !== undefined;
  }

  subscribeStatus(on: boolean): void {
    if (on && !this.statusOff) this.statusOff = this.service.onStatus((change) => this.notify(RPC_NOTIFICATIONS.status, change));
    if (!on && this.statusOff) {
      this.statusOff();
      this.statusOff = undefined;
    }
  }

  /** One heartbeat: drop the connection if the last ping went unanswered, else ping it when it was quiet. */
  beat(): void {
    if (this.pinged && !this.heard) {
      this.socket.terminate();
      return;
    }
    this.pinged = !this.heard;
    if (this.pinged) this.socket.ping();
    this.heard = false;
  }

  /** Closes with 1001 (going away); resolves once closed, cutting the socket if the client does not answer. */
  shutDown(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.cut(1001, 'the server is shutting down');
    return closed;
  }

  /** Sends a close frame and cuts the socket if the closing handshake does not finish soon (a client that does not read never answers). */
  private cut(code: number, reason: string): void {
    this.controller.abort();
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }
}

