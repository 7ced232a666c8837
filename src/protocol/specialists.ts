/**
 * The `Specialists` contract: what the shell needs from a specialist service.
 * Two implementations keep it: the in-process service (the embedded default)
 * and the remote client over HTTP/SSE. Field names match the wire (snake_case).
 */
import type { ErrorCode } from './errors.js';

export type SpecialistStatus = 'active' | 'degraded' | 'unavailable';

export interface Capabilities {
  primary: string[];
  scores: Record<string, number>;
}

export interface Performance {
  avg_response_time: number;
  success_rate: number;
  requests: number;
}

/** A named AI as the protocol describes it. */
export interface SpecialistInfo {
  id: string;
  name: string;
  aliases: string[];
  description: string;
  status: SpecialistStatus;
  model: string;
  capabilities: Capabilities;
  performance: Performance;
  features: { streaming: boolean; sessions: boolean; websocket: boolean };
}

/**
 * A specialist as configured: what the config file, a specialist Markdown file
 * or the built-in roster says. The service adds status and performance.
 */
export interface SpecialistDefinition {
  id: string;
  name: string;
  aliases: string[];
  description: string;
  system: string;
  /** `provider/model`, `echo[?ttft_ms=…&tps=…]`, or `auto`. */
  model: string;
  capabilities: Capabilities;
  fallback: string[];
}

/** The body of a message or stream call. */
export interface MessageRequest {
  content: string;
  temperature?: number;
  max_tokens?: number;
  model?: string;
  session_id?: string;
}

export interface TokensUsed {
  input: number;
  output: number;
}

/** Events of a streamed answer, in the order they arrive (same shapes as the SSE `data:`). */
export type StreamEvent =
  | { type: 'start'; specialist_id: string; request_id: string; model: string }
  | { type: 'content'; data: string; specialist_id: string }
  | { type: 'done'; specialist_id: string; tokens_used: TokensUsed; finish_reason: string }
  | { type: 'error'; code: ErrorCode; message: string };

/** The non-streamed answer of `POST /api/v2/ai/{id}/message`. */
export interface MessageResponse {
  content: string;
  specialist_id: string;
  model: string;
  tokens_used: TokensUsed;
  finish_reason: string;
  elapsed_ms: number;
}

/** `GET /api/v2/discovery/best`. */
export interface BestMatch {
  capability: string;
  best_match: { id: string; score: number; is_primary: boolean };
  alternatives: { id: string; score: number; is_primary: boolean }[];
}

export interface Specialists {
  /** Every specialist, with status and capabilities. */
  list(): Promise<SpecialistInfo[]>;
  /**
   * Streams one answer. Errors after the start arrive as an `error` event;
   * errors before it (unknown specialist, unreachable server) are thrown as
   * `AishError`. Leaving the loop early or aborting `signal` cancels the call.
   */
  stream(specialistId: string, request: MessageRequest, signal?: AbortSignal): AsyncIterable<StreamEvent>;
  /** The best specialist for a capability at or above `threshold`; throws `NO_MATCH`. */
  best(capability: string, threshold: number): Promise<BestMatch>;
  /** Releases connections, databases and timers. */
  close(): Promise<void>;
}
