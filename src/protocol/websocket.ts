/**
 * The WebSocket JSON-RPC endpoint's wire types (docs/protocol.md "WebSocket
 * JSON-RPC 2.0"), written once for both ends: the server's methods and the
 * client that calls them.
 */
import type { AishError } from './errors.js';
import type { SpecialistStatus, TokensUsed } from './specialists.js';

/** `chat` and `stream` params. */
export interface RpcChatParams {
  message: string;
  session_id?: string;
  temperature?: number;
  max_tokens?: number;
  model?: string;
}

/** The result of `chat`, and the final response of `stream`. */
export interface RpcChatResult {
  content: string;
  specialist_id: string;
  model: string;
  tokens_used: TokensUsed;
  finish_reason: string;
  session_id?: string;
  message_count?: number;
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
