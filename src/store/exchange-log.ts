/**
 * The exchange log: one row per AI exchange (what was sent, what came back,
 * tokens, cost, how it ended), searchable by words. A row is written by one
 * INSERT when the exchange has ended, so no half rows exist. The answer cache
 * and daily budgets read it too. Implemented on SQLite (FTS5) and PostgreSQL.
 */

/** How an exchange ended. */
export type ExchangeStatus = 'ok' | 'error' | 'cancelled';

/** One exchange as `record` takes it. Times are ms since the Unix epoch; field names are the columns'. */
export interface NewLoggedExchange {
  /** When the message was sent. */
  started_at: number;
  /** The source line of the pipeline the exchange belongs to, as the user typed it. */
  command_line: string;
  specialist: string;
  /** `provider/model` or `echo…`; null when the call failed before a model was chosen. */
  model: string | null;
  message: string;
  /** What arrived (a cut-short answer when the status is not `ok`). */
  answer: string;
  /** Null when the model reported no usage (the call failed or was cancelled first). */
  tokens_in: number | null;
  tokens_out: number | null;
  duration_ms: number;
  status: ExchangeStatus;
  /** The error code (`TIMEOUT`, `PROVIDER_ERROR` …) when the status is `error`. */
  error_code: string | null;
  session_id: string | null;
  /** US dollars; null when unknown (no price for the model, or no token counts). */
  cost_usd: number | null;
  /** The request's cache key: set on a complete, successful exchange, so the same request can be answered from it (`--cache`). */
  cache_key?: string | null;
  /** The exchange this one's answer was replayed from (a cache hit). */
  cached_from?: number | null;
  /** The tool calls made during the exchange, as a JSON array of `{name, arguments, status, bytes, duration_ms}`; null for none. */
  tool_calls?: string | null;
}

/** A cached answer: the exchange that answers a request key. */
export interface CachedAnswer {
  id: number;
  model: string | null;
  answer: string;
  tokens_in: number | null;
  tokens_out: number | null;
  cost_usd: number | null;
}

/** `aish cache stats`: what the cache holds and what it answered since a time. */
export interface CacheStats {
  /** Exchanges that answer their request again. */
  entries: number;
  /** Exchanges answered from the cache since the time asked. */
  hits: number;
  /** What those hits' originals cost (US dollars, known costs only). */
  saved_usd: number;
}

/** A logged exchange, with the id users type (`history show ID`, `!ID`). */
export interface LoggedExchange extends NewLoggedExchange {
  id: number;
}

/** Which exchanges `find` returns. Absent fields do not filter. */
export interface ExchangeQuery {
  /** Words that must all appear in the message or the answer; a trailing `*` makes a word a prefix (`auth*`). */
  search?: string;
  specialist?: string;
  /** Only exchanges started at or after this time (ms). */
  since?: number;
  /** At most this many, the most recent ones. */
  limit?: number;
}

/** Tokens and cost of one specialist and model, summed. */
export interface CostRow {
  specialist: string;
  model: string | null;
  exchanges: number;
  tokens_in: number;
  tokens_out: number;
  /** Sum of the known costs; null when none is known. */
  cost_usd: number | null;
  /** Exchanges whose cost is unknown (not in `cost_usd`). */
  unpriced: number;
}

/** The exchange log of one database. */
export interface ExchangeLog {
  /** Writes one finished exchange (one statement: the row and its search index together); returns its id. */
  record(exchange: NewLoggedExchange): Promise<number>;
  /**
   * Writes several exchanges, in order, in one transaction: on SQLite a commit
   * costs about as much as the insert, so the records of an `--each` run that
   * end together are written at once (0.37 → 0.08 ms an exchange in tens).
   */
  recordAll(exchanges: readonly NewLoggedExchange[]): Promise<void>;
  /** The newest exchange started at or after `since` (ms) that answers the request `key`, if any. */
  cached(key: string, since?: number): Promise<CachedAnswer | undefined>;
  /** Entries now, and hits and dollars saved since `since` (ms). */
  cacheStats(since: number): Promise<CacheStats>;
  /**
   * Stops exchanges started before `before` (ms; all when undefined) from
   * answering again; they stay in the history. Returns how many stopped.
   */
  clearCache(before?: number): Promise<number>;
  /** US dollars spent on exchanges started at or after `since` (ms), known costs only (`budget.per_day`). */
  spentSince(since: number): Promise<number>;
  /** The exchange with this id. */
  get(id: number): Promise<LoggedExchange | undefined>;
  /**
   * The most recent exchanges matching `query`, newest first. Rejects with
   * `RangeError` when `search` has no word to look for (no letter or digit).
   */
  find(query?: ExchangeQuery): Promise<LoggedExchange[]>;
  /** Tokens and cost by specialist and model, for exchanges started at or after `since` (ms). */
  costs(since?: number): Promise<CostRow[]>;
  /** How many exchanges the log holds. */
  count(): Promise<number>;
  /** Closes a log opened on its own (`openExchangeLog`); a store's own log closes with the store. */
  close(): Promise<void>;
}

/** The columns of `exchanges`, in the order both implementations select them. */
export const EXCHANGE_COLUMNS =
  'id, started_at, command_line, specialist, model, message, answer, tokens_in, tokens_out, duration_ms, status, error_code, session_id, cost_usd, cache_key, cached_from, tool_calls';

/** Characters a word needs to be searched for (FTS5's unicode61 tokenizer keeps only these). */
export const TOKEN_CHARACTER = /[\p{L}\p{N}]/u;

/** The cache key an exchange is stored with: only a complete answer may answer again, so a failed or cut-short one keeps none. */
export function storedCacheKey(exchange: NewLoggedExchange): string | null {
  return exchange.status === 'ok' ? (exchange.cache_key ?? null) : null;
}
