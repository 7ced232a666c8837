/**
 * The methods of the WebSocket JSON-RPC endpoint (docs/protocol.md "WebSocket
 * JSON-RPC 2.0"): `chat`, `stream`, `cancel`, `ping`, `subscribe`,
 * `unsubscribe`, `session.create|get|end`, over the service. The connection
 * (ws.ts) is reached through `RpcPeer` only, so these run without a socket.
 */
import { AishError, CallController, collectAnswer, RPC_METHODS, RPC_NOTIFICATIONS, type ParamsOf, type ResultOf, type RpcNotificationType, type RpcRequestType, type StreamEvent } from '../protocol/index.js';
import type { RpcChatResult } from '../protocol/websocket.js';
import type { SpecialistService } from '../service/index.js';
import { invalidParams, methodNotFound, type JsonRpcId, type RpcCall } from './json-rpc.js';
import { createSessionRequest, messageRequest, renewSessionRequest, sessionMessageRequest } from './validate.js';

/** What a method may ask of the connection it came on. */
export interface RpcPeer {
  /** The specialist of the endpoint (`/ws/ai/{id}`). */
  readonly specialistId: string;
  /** Sends a notification (no id) to this client. */
  notify<N extends RpcNotificationType<unknown>>(notification: N, params: ParamsOf<N>): void;
  /** Undefined while the client keeps up; else resolves once it has caught up (or the connection closed). */
  congestion(): Promise<void> | undefined;
  /**
   * Registers a running answer under its request id (undefined for a
   * notification) so `cancel` can stop it, and so closing the connection
   * aborts it; throws when the id is taken or too many answers run on this
   * connection. Returns the release.
   */
  track(id: JsonRpcId | undefined, controller: AbortController): (() => void) | Promise<() => void>;
  /** Aborts the answer running under `id`; false when none does. */
  cancel(id: JsonRpcId): boolean;
  /** Turns `event.status` notifications on or off. */
  subscribeStatus(on: boolean): void;
  /** Whether `event.status` notifications are on. */
  readonly statusSubscribed: boolean;
}

type Method = (call: RpcCall, peer: RpcPeer) => Promise<unknown>;

/** Events a client can subscribe to. */
const EVENTS = ['status'];

/** The descriptor-keyed handlers: each must return its descriptor's result type. */
type Handlers = { [K in keyof typeof RPC_METHODS]: (call: RpcCall, peer: RpcPeer) => Promise<ResultOf<(typeof RPC_METHODS)[K]>> };

/** The method table; `dispatch(call, peer)` runs one call. */
export function rpcMethods(service: SpecialistService): (call: RpcCall, peer: RpcPeer) => Promise<unknown> {
  const handlers: Handlers = {
    chat: (call, peer) => answer(service, call, peer, false),
    stream: (call, peer) => answer(service, call, peer, true),
    cancel: async (call, peer) => {
      const requestId = call.params.request_id;
      if (requestId === undefined || (requestId !== null && typeof requestId !== 'string' && typeof requestId !== 'number')) {
        throw invalidParams("'request_id' must be the id of a running chat or stream request", { field: 'request_id' });
      }
      return { request_id: requestId, cancelled: peer.cancel(requestId) };
    },
    ping: async () => 'pong',
    subscribe: async (call, peer) => {
      checkEvents(call.params);
      peer.subscribeStatus(true);
      return { subscribed: ['status'] };
    },
    unsubscribe: async (call, peer) => {
      checkEvents(call.params);
      peer.subscribeStatus(false);
      return { subscribed: [] };
    },
    sessionCreate: async (call, peer) => service.createSession(createSessionRequest(call.params, peer.specialistId)),
    sessionGet: async (call) => service.getSession(sessionId(call.params)),
    sessionEnd: async (call) => service.deleteSession(sessionId(call.params)),
    sessionRenew: async (call) => service.renewSession(sessionId(call.params), renewSessionRequest(call.params)),
  };
  const methods = methodTable(handlers);
  const names = [...methods.keys()];
  return (call, peer) => {
    const method = methods.get(call.method);
    if (!method) return Promise.reject(methodNotFound(call.method, names));
    return method(call, peer);
  };
}

/** Handlers by their wire name (`session.create` …), from the shared descriptors. */
function methodTable(handlers: Handlers): Map<string, Method> {
  const table = new Map<string, Method>();
  for (const key of Object.keys(RPC_METHODS) as (keyof typeof RPC_METHODS)[]) {
    const descriptor: RpcRequestType<unknown, unknown> = RPC_METHODS[key];
    table.set(descriptor.method, handlers[key] as Method);
  }
  return table;
}

/**
 * `chat` and `stream`: one answer from the endpoint's specialist (through the
 * session when `session_id` is given). `stream` sends `stream.start` (who
 * answers, with which model), `stream.chunk` per piece and `stream.complete`
 * before its response; while the client is slow to read, the model is not
 * read either.
 */
async function answer(service: SpecialistService, call: RpcCall, peer: RpcPeer, streamed: boolean): Promise<RpcChatResult> {
  const events = chatEvents(service, call.params, peer.specialistId);
  const controller = new CallController();
  // The connection aborts `controller` when it closes (one listener per connection, not per call).
  const tracked = peer.track(call.notification ? undefined : call.id, controller);
  const release = typeof tracked === 'function' ? tracked : await tracked;
  const notify = streamed && !call.notification;
  let chunks = 0;
  try {
    // A promise only while the client is slow to read (a `chat` never waits).
    const onContent = (data: string): Promise<void> | undefined => {
      chunks++;
      if (!notify) return undefined;
      peer.notify(RPC_NOTIFICATIONS.streamChunk, { request_id: call.id, content: data, chunk_index: chunks - 1 });
      return peer.congestion();
    };
    const { content, model, done } = await collectAnswer(events(controller.signal), {
      onStart: (start) => {
        if (notify) peer.notify(RPC_NOTIFICATIONS.streamStart, { request_id: call.id, specialist_id: start.specialist_id, model: start.model, ...(start.fallback_for !== undefined && { fallback_for: start.fallback_for }) });
      },
      onContent,
      onTool: (event) => {
        if (!notify) return;
        if (event.type === 'tool.start') {
          const { type: _start, ...tool } = event;
          peer.notify(RPC_NOTIFICATIONS.streamToolStart, { request_id: call.id, ...tool });
        } else {
          const { type: _done, ...tool } = event;
          peer.notify(RPC_NOTIFICATIONS.streamToolDone, { request_id: call.id, ...tool });
        }
      },
      signal: controller.signal,
      unfinished: () => new AishError('CANCELLED', 'Cancelled', { request_id: call.id }),
    });
    if (notify) peer.notify(RPC_NOTIFICATIONS.streamComplete, { request_id: call.id, total_chunks: chunks, tokens_used: done.tokens_used });
    const result: RpcChatResult = { content, specialist_id: done.specialist_id, model, tokens_used: done.tokens_used, finish_reason: done.finish_reason };
    if (done.session_id !== undefined) result.session_id = done.session_id;
    if (done.message_count !== undefined) result.message_count = done.message_count;
    if (done.context_used !== undefined) result.context_used = done.context_used;
    if (done.data !== undefined) result.data = done.data;
    return result;
  } finally {
    // Leaving the loop already stopped the model call (the service's iterator returns).
    release();
  }
}

/**
 * `{message, session_id?, context_window?, temperature?, …}` as the service
 * call it asks for, checked before anything runs: with `session_id`, a
 * message in that session answered by the endpoint's specialist.
 */
function chatEvents(service: SpecialistService, params: Record<string, unknown>, specialistId: string): (signal: AbortSignal) => AsyncIterable<StreamEvent> {
  const message = params.message;
  if (typeof message !== 'string' || message === '') throw invalidParams("'message' must be a non-empty string", { field: 'message' });
  // A bad field is BAD_REQUEST, which the error table answers as -32602 Invalid params.
  if (params.session_id !== undefined && params.session_id !== null) {
    const session = sessionId(params);
    const request = { ...sessionMessageRequest(params), specialist_id: specialistId };
    return (signal) => service.streamSession(session, request, signal);
  }
  const request = messageRequest({ ...params, content: message });
  return (signal) => service.stream(specialistId, request, signal);
}

function sessionId(params: Record<string, unknown>): string {
  const id = params.session_id;
  if (typeof id !== 'string' || id === '') throw invalidParams("'session_id' must be a session id or name", { field: 'session_id' });
  return id;
}

/** `{events: ["status"]}`: the names must be ones this server knows. */
function checkEvents(params: Record<string, unknown>): void {
  const events = params.events;
  if (!Array.isArray(events) || events.length === 0 || events.some((name) => typeof name !== 'string' || !EVENTS.includes(name))) {
    throw invalidParams(`'events' must be a list of event names (${EVENTS.map((name) => `"${name}"`).join(', ')})`, { field: 'events' });
  }
}
