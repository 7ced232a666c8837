/**
 * The WebSocket JSON-RPC endpoint's wire types (docs/protocol.md "WebSocket
 * JSON-RPC 2.0"), written once for both ends: the server's methods and the
 * client that calls them.
 */
import type { AishError } from './errors.js';
import type { SpecialistStatus, TokensUsed, ToolCallRecord } from './specialists.js';

/** `chat` and `stream` params. */
export interface RpcChatParams {
  message: string;
  session_id?: string;
  /** With `session_id`, this call only: how many earlier exchanges the model sees (0 = all). */
  context_window?: number;
  temperature?: number;
  max_tokens?: number;
  model?: string;
  /** Seconds the whole call may take (the user's `--timeout`). */
  timeout?: number;
  /** The `@capability` this specialist was routed for (its measured performance counts there). */
  capability?: string;
  /** The model is asked for its whole answer in one response (`--no-stream`); the notifications stay the same. */
  no_stream?: boolean;
  /** Tool patterns that narrow the specialist's own (`[]`: no tools). */
  tools?: string[];
}

/** `stream.tool_start`: the specialist's model asked for a tool, and the call starts. */
export interface StreamToolStartParams {
  request_id: string | number | null;
  specialist_id: string;
  call_id: string;
  /** `SERVER.TOOL`. */
  name: string;
  arguments: string;
}

/** `stream.tool_done`: a tool call ended (`status`, the result's size in bytes, how long it took). */
export type StreamToolDoneParams = { request_id: string | number | null; specialist_id: string; call_id: string } & ToolCallRecord;

/** The result of `chat`, and the final response of `stream`. */
export interface RpcChatResult {
  content: string;
  specialist_id: string;
  model: string;
  tokens_used: TokensUsed;
  finish_reason: string;
  session_id?: string;
  message_count?: number;
  /** In a session: how many stored messages the model saw. */
  context_used?: number;
  /** A typed answer (`schema` in the params): the validated value. */
  data?: unknown;
}

/**
 * `stream.start`: who answers a `stream` request and with which model, sent
 * before its first chunk; `fallback_for` names the specialist asked when
 * another stands in for it.
 */
export interface StreamStartParams {
  request_id: string | number | null;
  specialist_id: string;
  model: string;
  fallback_for?: string;
}

/** `stream.chunk`: one piece of a `stream` answer; `request_id` is the `stream` request's id. */
export interface StreamChunkParams {
  request_id: string | number | null;
  content: string;
  chunk_index: number;
}

/** `stream.complete`: sent after the last chunk, before the response. */
export interface StreamCompleteParams {
  request_id: string | number | null;
  total_chunks: number;
  tokens_used: TokensUsed;
}

/** `event.status`, to clients that subscribed to `status`. */
export interface StatusEventParams {
  specialist_id: string;
  status: SpecialistStatus;
}

/**
 * What a reconnecting client tells its user: the connection dropped and a
 * new attempt comes in `delay_ms`; it is back; or it gave up.
 */
export type ConnectionEvent =
  | { type: 'reconnecting'; attempt: number; delay_ms: number; reason: string }
  | { type: 'reconnected'; attempts: number }
  | { type: 'disconnected'; error: AishError };
