/**
 * The WebSocket JSON-RPC methods as typed descriptors, shared by the server
 * (which answers them) and the client (which calls them), in the manner of
 * vscode-jsonrpc's `RequestType`: a descriptor is a method name that carries
 * its params and result types, so both ends agree at compile time. Also the
 * error codes of the JSON-RPC 2.0 specification, and how a JSON-RPC error
 * code reads back as one of our `ErrorCode`s (derived from `ERROR_TABLE`).
 */
import { ERROR_TABLE, type ErrorCode } from './errors.js';
import type { CreateSessionRequest, RenewSessionRequest, SessionDetail, SessionInfo } from './specialists.js';
import type { RpcChatParams, RpcChatResult, StatusEventParams, StreamChunkParams, StreamCompleteParams, StreamStartParams, StreamToolDoneParams, StreamToolStartParams } from './websocket.js';

/** A request id: the specification allows a string, a number or null. */
export type JsonRpcId = string | number | null;

/** A request method: its name, with its params `P` and result `R` as types only. */
export interface RpcRequestType<P, R> {
  readonly method: string;
  /** Never set: carries `P` and `R` for the compiler. */
  readonly types?: { params: P; result: R };
}

/** A notification the server sends (no id, no answer). */
export interface RpcNotificationType<P> {
  readonly method: string;
  readonly types?: { params: P };
}

export type ParamsOf<T> = T extends RpcRequestType<infer P, unknown> ? P : T extends RpcNotificationType<infer P> ? P : never;
export type ResultOf<T> = T extends RpcRequestType<unknown, infer R> ? R : never;

function request<P, R>(method: string): RpcRequestType<P, R> {
  return { method };
}

function notification<P>(method: string): RpcNotificationType<P> {
  return { method };
}

export interface CancelParams {
  request_id: JsonRpcId;
}

export interface SubscribeParams {
  events: string[];
}

export interface SessionRef {
  /** A session id or name. */
  session_id: string;
}

/**
 * Every method of `/ws/ai/{id}`. The server's method table is keyed by these
 * (a test checks it answers each), and the client calls them by descriptor.
 */
export const RPC_METHODS = {
  chat: request<RpcChatParams, RpcChatResult>('chat'),
  stream: request<RpcChatParams, RpcChatResult>('stream'),
  cancel: request<CancelParams, { request_id: JsonRpcId; cancelled: boolean }>('cancel'),
  ping: request<Record<string, never>, 'pong'>('ping'),
  subscribe: request<SubscribeParams, { subscribed: string[] }>('subscribe'),
  unsubscribe: request<SubscribeParams, { subscribed: string[] }>('unsubscribe'),
  /** `specialist_id` defaults to the endpoint's specialist. */
  sessionCreate: request<Partial<CreateSessionRequest>, SessionInfo>('session.create'),
  sessionGet: request<SessionRef, SessionDetail>('session.get'),
  sessionEnd: request<SessionRef, { status: 'deleted'; session_id: string }>('session.end'),
  /** A fresh `ttl_s` from now (`ttl_s` replaces the session's own): an expired session takes messages again. */
  sessionRenew: request<SessionRef & RenewSessionRequest, SessionInfo>('session.renew'),
} as const;

/** The notifications the server sends. */
export const RPC_NOTIFICATIONS = {
  streamStart: notification<StreamStartParams>('stream.start'),
  streamChunk: notification<StreamChunkParams>('stream.chunk'),
  streamComplete: notification<StreamCompleteParams>('stream.complete'),
  streamToolStart: notification<StreamToolStartParams>('stream.tool_start'),
  streamToolDone: notification<StreamToolDoneParams>('stream.tool_done'),
  status: notification<StatusEventParams>('event.status'),
} as const;

/** The JSON-RPC 2.0 specification's own errors: code, its wording, and the `ErrorCode` it stands for. */
export const JSON_RPC_ERRORS = {
  parseError: { code: -32700, message: 'Parse error', means: 'BAD_REQUEST' },
  invalidRequest: { code: -32600, message: 'Invalid Request', means: 'BAD_REQUEST' },
  methodNotFound: { code: -32601, message: 'Method not found', means: 'NOT_FOUND' },
  invalidParams: { code: -32602, message: 'Invalid params', means: 'BAD_REQUEST' },
  internalError: { code: -32603, message: 'Internal error', means: 'INTERNAL' },
} as const satisfies Record<string, { code: number; message: string; means: ErrorCode }>;

/** The specification's wording for one of its codes; undefined for this server's own codes. */
export function standardRpcMessage(code: number): string | undefined {
  return Object.values(JSON_RPC_ERRORS).find((error) => error.code === code)?.message;
}

/**
 * What a JSON-RPC error code means when the server sent no `data.code` (a
 * foreign server): the specification's meaning for its codes, else the
 * `ERROR_TABLE` row marked `rpcMeans` for that code, else `INTERNAL`.
 */
export function errorCodeForRpc(code: number): ErrorCode {
  const standard = Object.values(JSON_RPC_ERRORS).find((error) => error.code === code);
  if (standard) return standard.means;
  const row = (Object.keys(ERROR_TABLE) as ErrorCode[]).find((name) => ERROR_TABLE[name].rpc === code && ERROR_TABLE[name].rpcMeans);
  return row ?? 'INTERNAL';
}
