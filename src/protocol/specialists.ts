/**
 * The `Specialists` contract: what the shell needs from a specialist service.
 * The in-process service (the embedded default) keeps it, and so do the
 * remote clients over HTTP/SSE and over WebSocket JSON-RPC; one test suite
 * (tests/contract) holds all three to it. Field names match the wire (snake_case).
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
  /** The role prompt the model is given (MCP clients get it as a prompt); absent from servers that predate it. */
  system_prompt?: string;
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
  /** The tools it may call (`SERVER.TOOL`, `SERVER.*`); none when absent. */
  tools?: string[];
}

/** The body of a message or stream call. */
/** The lowest score `@capability` routing accepts unless told otherwise (`--threshold`, `?threshold=`). */
export const DEFAULT_ROUTE_THRESHOLD = 0.7;

export interface MessageRequest {
  content: string;
  temperature?: number;
  max_tokens?: number;
  model?: string;
  session_id?: string;
  /** The `@capability` this specialist was routed for: its measured performance counts there. */
  capability?: string;
  /** Seconds the whole call may take (the user's `--timeout`); past it the answer ends with TIMEOUT. */
  timeout?: number;
  /** `--no-stream`: the model is asked for its whole answer in one response, not a stream (the events stay the same). */
  no_stream?: boolean;
  /**
   * A JSON Schema the answer must match (`--schema`): the service asks the
   * model for JSON, validates it, repairs once, and the answer's `done` carries
   * `data`; still invalid is SCHEMA_MISMATCH.
   */
  schema?: Record<string, unknown>;
  /** With `schema`: the answer is an array of such values (`--schema-multi`; printed one per line). */
  schema_multi?: boolean;
  /** `--cache` (true) or `--no-cache` (false): answer from an earlier identical successful call, or never; absent: the service's own setting. */
  cache?: boolean;
  /** US dollars this call may spend (what `--max-cost` / `budget:` leaves): a call whose input alone would pass it is not started, an answer passing it is stopped (BUDGET_EXCEEDED). */
  max_cost?: number;
  /**
   * The tools this call may use, as patterns (`SERVER.TOOL`, `SERVER.*`): `--tools LIST`, or `[]`
   * for `--no-tools`. A server narrows the specialist's own list with it; the embedded service
   * (the REPL, scripts) takes it as the list. Absent: the specialist's `tools:`.
   */
  tools?: string[];
}

export interface TokensUsed {
  input: number;
  output: number;
}

/** Events of a streamed answer, in the order they arrive (same shapes as the SSE `data:`). */
export type StreamEvent =
  /**
   * `specialist_id` is who answers; `fallback_for` is set when that is a
   * fallback for the specialist asked (which was unavailable or failed before
   * its first token).
   */
  | { type: 'start'; specialist_id: string; request_id: string; model: string; fallback_for?: string }
  | { type: 'content'; data: string; specialist_id: string }
  | {
      type: 'done';
      specialist_id: string;
      tokens_used: TokensUsed;
      finish_reason: string;
      session_id?: string;
      message_count?: number;
      context_used?: number;
      /** The model that answered (a WebSocket answer says it here too). */
      model?: string;
      /** A typed answer (`schema`): the validated value; `content` was its JSON text. */
      data?: unknown;
      /** The request's cache key: an exchange logged with it answers the same request again (`--cache`). */
      cache_key?: string;
      /** Set when the answer was replayed from the cache: the exchange it came from. */
      cached_from?: number;
      /** What the answer cost in US dollars by the service's prices (0 from the cache); absent when unknown. */
      cost_usd?: number;
    }
  /** A tool call is starting (the specialist's model asked for it): `name` is `SERVER.TOOL`, `arguments` the model's JSON text. */
  | { type: 'tool.start'; specialist_id: string; call_id: string; name: string; arguments: string }
  /** A tool call ended: how (`status`), the size of its result in bytes and how long it took. */
  | ({ type: 'tool.done'; specialist_id: string; call_id: string } & ToolCallRecord)
  | { type: 'error'; code: ErrorCode; message: string; details?: Record<string, unknown> };

/**
 * How a tool call ended: `ok`; `error` (the tool said so, or its arguments were not JSON);
 * `refused` (not allowed, or the user said no); `timeout` (over `limits.tool_timeout`).
 * Every one of them goes back to the model as the call's result.
 */
export type ToolCallStatus = 'ok' | 'error' | 'refused' | 'timeout';

/** One tool call as the exchange log keeps it. */
export interface ToolCallRecord {
  /** `SERVER.TOOL`. */
  name: string;
  /** The arguments as the model wrote them (JSON text). */
  arguments: string;
  status: ToolCallStatus;
  /** The size of the result sent back to the model, in bytes (UTF-8). */
  bytes: number;
  duration_ms: number;
}

/** The non-streamed answer of `POST /api/v2/ai/{id}/message`. */
export interface MessageResponse {
  content: string;
  specialist_id: string;
  model: string;
  tokens_used: TokensUsed;
  finish_reason: string;
  elapsed_ms: number;
  /** A typed answer (`schema`): the validated value. */
  data?: unknown;
}

/** `GET /api/v2/discovery/best`. */
export interface BestMatch {
  capability: string;
  best_match: { id: string; score: number; is_primary: boolean };
  alternatives: { id: string; score: number; is_primary: boolean }[];
}

/** A session as the protocol shows it (times are ISO 8601). */
export interface SessionInfo {
  id: string;
  name: string | null;
  specialist_id: string;
  context_window: number;
  ttl_s: number;
  metadata: Record<string, unknown>;
  message_count: number;
  created_at: string;
  last_activity: string;
  /** When the session stops taking messages (`last_activity + ttl_s`); null when `ttl_s` is 0 (never). */
  expires_at: string | null;
  /** True once `expires_at` has passed: the session is readable and deletable, and takes messages again once renewed. */
  expired: boolean;
  /** In the answer to a create with `continue_existing`: false when an existing session was returned. */
  created?: boolean;
}

/** One row of `GET /api/v2/sessions`. */
export interface SessionSummary {
  id: string;
  name: string | null;
  specialist_id: string;
  message_count: number;
  created_at: string;
  last_activity: string;
  expires_at: string | null;
  expired: boolean;
}

export interface SessionMessage {
  role: 'user' | 'assistant';
  content: string;
  timestamp: string;
  /** Which specialist answered (assistant messages). */
  specialist_id?: string;
}

/** `GET /api/v2/sessions/{id-or-name}`. */
export interface SessionDetail extends SessionInfo {
  messages: SessionMessage[];
}

/** `POST /api/v2/sessions`. */
export interface CreateSessionRequest {
  specialist_id: string;
  context_window?: number;
  ttl_s?: number;
  name?: string;
  metadata?: Record<string, unknown>;
  /**
   * With a `name`: when a session already answers to it (by name or id), that
   * session is returned (`created: false`) instead of SESSION_NAME_TAKEN, in
   * one step, so processes continuing one new name at once share one session.
   */
  continue_existing?: boolean;
}

/** `POST /api/v2/sessions/{id-or-name}/renew`: `ttl_s` replaces the session's own (0 = never expires). */
export interface RenewSessionRequest {
  ttl_s?: number;
}

/** `POST /api/v2/sessions/{id-or-name}/message`. */
export interface SessionMessageRequest {
  message: string;
  /** This call only: how many earlier exchanges the model sees (0 = all). */
  context_window?: number;
  /** Another specialist may answer in the same session (the default is the session's). */
  specialist_id?: string;
  temperature?: number;
  max_tokens?: number;
  model?: string;
  /** Seconds the whole call may take (the user's `--timeout`). */
  timeout?: number;
  /** `--no-stream`: the model is asked for its whole answer in one response, not a stream (the events stay the same). */
  no_stream?: boolean;
  /**
   * A JSON Schema the answer must match (`--schema`): the service asks the
   * model for JSON, validates it, repairs once, and the answer's `done` carries
   * `data`; still invalid is SCHEMA_MISMATCH.
   */
  schema?: Record<string, unknown>;
  /** With `schema`: the answer is an array of such values (`--schema-multi`; printed one per line). */
  schema_multi?: boolean;
  /** `--cache` (true) or `--no-cache` (false): answer from an earlier identical successful call, or never; absent: the service's own setting. */
  cache?: boolean;
  /** US dollars this call may spend (what `--max-cost` / `budget:` leaves): a call whose input alone would pass it is not started, an answer passing it is stopped (BUDGET_EXCEEDED). */
  max_cost?: number;
  /**
   * The tools this call may use, as patterns (`SERVER.TOOL`, `SERVER.*`): `--tools LIST`, or `[]`
   * for `--no-tools`. A server narrows the specialist's own list with it; the embedded service
   * (the REPL, scripts) takes it as the list. Absent: the specialist's `tools:`.
   */
  tools?: string[];
}

/** A whole session as `aish sessions export` writes it and `import` reads it. */
export interface SessionExport {
  format: 'aish-session';
  version: 1;
  session: SessionInfo;
  messages: SessionMessage[];
}

/** A tool call about to run, as a confirm hook sees it. */
export interface PendingToolCall {
  specialist: string;
  /** `SERVER.TOOL`. */
  name: string;
  /** The model's JSON text. */
  arguments: string;
}

/**
 * What the caller of a stream may add that never goes over the wire: `confirmTool`
 * asks before each tool call (`--confirm-tools`); false sends the call back to the
 * model as refused. Only the in-process service asks; a remote one ignores it.
 */
export interface CallHooks {
  confirmTool?: (call: PendingToolCall) => Promise<boolean>;
}

export interface Specialists {
  /** Every specialist, with status and capabilities. */
  list(): Promise<SpecialistInfo[]>;
  /**
   * Streams one answer. Errors after the start arrive as an `error` event;
   * errors before it (unknown specialist, unreachable server) are thrown as
   * `AishError`. Leaving the loop early or aborting `signal` cancels the call.
   */
  stream(specialistId: string, request: MessageRequest, signal?: AbortSignal, hooks?: CallHooks): AsyncIterable<StreamEvent>;
  /** The best specialist for a capability at or above `threshold`; throws `NO_MATCH`. */
  best(capability: string, threshold: number): Promise<BestMatch>;
  /** Sessions: conversations kept by the service, by id or by name. */
  createSession(request: CreateSessionRequest): Promise<SessionInfo>;
  getSession(idOrName: string): Promise<SessionDetail>;
  listSessions(): Promise<SessionSummary[]>;
  deleteSession(idOrName: string): Promise<{ status: 'deleted'; session_id: string }>;
  /** Gives a session (expired or not) a fresh `ttl_s` from now, so it takes messages again. */
  renewSession(idOrName: string, request?: RenewSessionRequest): Promise<SessionInfo>;
  /**
   * One message in a session, streamed. The model sees the system prompt and
   * the last `context_window` exchanges; the exchange is stored only when the
   * answer completed. Messages to one session are answered one at a time.
   */
  streamSession(idOrName: string, request: SessionMessageRequest, signal?: AbortSignal, hooks?: CallHooks): AsyncIterable<StreamEvent>;
  importSession(data: unknown, options: { force?: boolean }): Promise<SessionInfo>;
  /** Releases connections, databases and timers. */
  close(): Promise<void>;
}
