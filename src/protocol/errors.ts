/**
 * Error codes of the protocol, and the one table that maps each code to an
 * HTTP status, a JSON-RPC error code and a shell exit status.
 */

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'SPECIALIST_NOT_FOUND'
  | 'NO_MATCH'
  | 'SESSION_NOT_FOUND'
  | 'SESSION_EXPIRED'
  | 'SESSION_NAME_TAKEN'
  | 'SESSION_EXISTS'
  | 'DATABASE_INVALID'
  | 'INVALID_GRAPH'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'PROVIDER_ERROR'
  | 'PROVIDER_UNAVAILABLE'
  | 'UNREACHABLE'
  | 'SHUTTING_DOWN'
  | 'STORAGE_FULL'
  | 'BACKEND_UNAVAILABLE'
  | 'TOOL_SERVER_FAILED'
  | 'TOOL_ROUNDS_EXCEEDED'
  | 'SCHEMA_MISMATCH'
  | 'TIMEOUT'
  | 'BUDGET_EXCEEDED'
  | 'CANCELLED'
  | 'INTERNAL';

interface ErrorMapping {
  http: number;
  rpc: number;
  exit: number;
  /**
   * This code is what `rpc` means when a server answers it without naming a
   * code in `data` (several codes share one JSON-RPC code; one row per
   * server-defined JSON-RPC code says which reading wins).
   */
  rpcMeans?: true;
}

/** One row per code: HTTP status, JSON-RPC code, exit status (docs/language.md "Exit statuses"). */
export const ERROR_TABLE: Record<ErrorCode, ErrorMapping> = {
  BAD_REQUEST: { http: 400, rpc: -32602, exit: 1 },
  UNAUTHORIZED: { http: 401, rpc: -32600, exit: 1 },
  FORBIDDEN: { http: 403, rpc: -32600, exit: 1 },
  NOT_FOUND: { http: 404, rpc: -32601, exit: 1 },
  METHOD_NOT_ALLOWED: { http: 405, rpc: -32601, exit: 1 },
  SPECIALIST_NOT_FOUND: { http: 404, rpc: -32001, exit: 3 },
  NO_MATCH: { http: 404, rpc: -32001, exit: 3 },
  SESSION_NOT_FOUND: { http: 404, rpc: -32005, exit: 1, rpcMeans: true },
  SESSION_EXPIRED: { http: 410, rpc: -32000, exit: 1, rpcMeans: true },
  SESSION_NAME_TAKEN: { http: 409, rpc: -32602, exit: 1 },
  SESSION_EXISTS: { http: 409, rpc: -32602, exit: 1 },
  DATABASE_INVALID: { http: 500, rpc: -32603, exit: 1 },
  INVALID_GRAPH: { http: 400, rpc: -32602, exit: 1 },
  PAYLOAD_TOO_LARGE: { http: 413, rpc: -32600, exit: 1 },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, rpc: -32600, exit: 1 },
  RATE_LIMITED: { http: 429, rpc: -32004, exit: 1, rpcMeans: true },
  PROVIDER_ERROR: { http: 502, rpc: -32603, exit: 1 },
  PROVIDER_UNAVAILABLE: { http: 503, rpc: -32001, exit: 2, rpcMeans: true },
  UNREACHABLE: { http: 503, rpc: -32001, exit: 2 },
  SHUTTING_DOWN: { http: 503, rpc: -32001, exit: 2 },
  // The disk under the database is full: nothing was stored, and the user has to make room.
  STORAGE_FULL: { http: 507, rpc: -32603, exit: 1 },
  // A backend the server shares with its replicas (PostgreSQL, Redis) is down: refused at once, never queued; retry later.
  BACKEND_UNAVAILABLE: { http: 503, rpc: -32008, exit: 2, rpcMeans: true },
  // An MCP server a specialist's tools need would not start, or died during a call.
  TOOL_SERVER_FAILED: { http: 502, rpc: -32603, exit: 2 },
  // The model asked for tools more times than `limits.max_tool_rounds` allows.
  TOOL_ROUNDS_EXCEEDED: { http: 502, rpc: -32603, exit: 1 },
  // The answer is not the JSON the schema asks for, even after one repair.
  SCHEMA_MISMATCH: { http: 422, rpc: -32006, exit: 6, rpcMeans: true },
  TIMEOUT: { http: 504, rpc: -32603, exit: 5 },
  // A spending cap was reached (`--max-cost`, `budget.per_day`, the server's `budget_per_day`): never retried.
  BUDGET_EXCEEDED: { http: 402, rpc: -32007, exit: 7, rpcMeans: true },
  CANCELLED: { http: 499, rpc: -32003, exit: 130, rpcMeans: true },
  INTERNAL: { http: 500, rpc: -32603, exit: 1 },
};

/** An error with a stable code; `details` go on the wire, `cause` stays local. */
export class AishError extends Error {
  override readonly name = 'AishError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get exitStatus(): number {
    return ERROR_TABLE[this.code].exit;
  }

  get httpStatus(): number {
    return ERROR_TABLE[this.code].http;
  }
}

export function exitStatusFor(code: ErrorCode): number {
  return ERROR_TABLE[code].exit;
}

/** Any thrown value as an `AishError` (an abort becomes `CANCELLED`). */
export function toAishError(error: unknown): AishError {
  if (error instanceof AishError) return error;
  if (error instanceof Error && error.name === 'AbortError') return new AishError('CANCELLED', 'cancelled', undefined, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new AishError('INTERNAL', message, undefined, { cause: error });
}

/**
 * The reason given when a call's own controller is aborted because the call
 * is over (cleanup, not a cancellation anyone asked for). `abort()` with no
 * reason builds a fresh DOMException with a stack trace on every call, a
 * visible cost on a busy server; this one is built once and still reads as
 * an `AbortError` to code that checks the name.
 */
export const CALL_FINISHED = new DOMException('the call is over', 'AbortError');
