/** Wire types of `POST /api/v2/bulk` (docs/protocol.md "Bulk"). */
import type { ErrorCode } from './errors.js';
import type { TokensUsed } from './specialists.js';

/** One operation of a bulk request. */
export interface BulkOperation {
  id: string;
  /** A specialist id or alias, or `@capability`. */
  ai: string;
  /** The message; `{opN}` is replaced by operation opN's response. */
  message: string;
  depends_on?: string[];
  /** A JSON Schema the answer must match (a typed answer); `response` is then its JSON text and `data` the value. */
  schema?: Record<string, unknown>;
  schema_multi?: boolean;
}

/** The body of `POST /api/v2/bulk`. */
export interface BulkRequest {
  operations: BulkOperation[];
  /** `parallel` (the default) or `sequential`: one by one in the order given. */
  execution?: 'parallel' | 'sequential';
  /** Seconds for the whole request (default 60). */
  timeout?: number;
  /** Operations running at once in `parallel` mode (default 20). */
  max_parallel?: number;
  /** Answer as SSE (the server's concern; the runner ignores it). */
  stream?: boolean;
}

/** The outcome of one operation. */
export interface BulkOperationResult {
  status: 'success' | 'error' | 'skipped';
  response?: string;
  /** A typed operation's validated value. */
  data?: unknown;
  error?: { code: ErrorCode; message: string };
  /** The specialist that answered (the requested `ai` when none was chosen). */
  ai: string;
  /** Seconds, as a decimal. */
  execution_time: number;
  tokens_used: TokensUsed;
}

/** The answer to a bulk request (and the data of the final SSE `done` event). */
export interface BulkResponse {
  request_id: string;
  status: 'completed' | 'partial' | 'failed';
  /** Seconds, as a decimal. */
  execution_time: number;
  results: Record<string, BulkOperationResult>;
  total_tokens: TokensUsed;
}
