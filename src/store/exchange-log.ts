/**
 * The exchange log: one row per AI exchange (what was sent, what came back,
 * tokens, cost, how it ended), searchable by words through the FTS5 index
 * `exchanges_fts`, which triggers keep in step with the table. A row is
 * written by one INSERT when the exchange has ended, so no half rows exist.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from './open-database.js';

type Database = BetterSqlite3.Database;
type Statement<Parameters extends unknown[] = unknown[], Row = unknown> = BetterSqlite3.Statement<Parameters, Row>;

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
  /** Words that must all appear in the message or the answer (see {@link searchExpression}). */
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

const COLUMNS =
  'id, started_at, command_line, specialist, model, message, answer, tokens_in, tokens_out, duration_ms, status, error_code, session_id, cost_usd, cache_key, cached_from';

/** Characters FTS5's unicode61 tokenizer keeps; a word without any has no tokens to look for. */
const TOKEN_CHARACTER = /[\p{L}\p{N}]/u;

/**
 * User words as an FTS5 expression: each word a quoted string (so `AND`,
 * `"`, `*`, `-`, `:` and parentheses are text, never syntax), all ANDed; a
 * trailing `*` on a word makes it a prefix (`auth*`). Undefined when no word
 * has a letter or digit.
 */
export function searchExpression(words: string): string | undefined {
  const terms: string[] = [];
  // FTS5 reads a NUL as the end of the query: it separates words like a blank.
  for (const word of words.replaceAll('\0', ' ').split(/\s+/)) {
    if (!TOKEN_CHARACTER.test(word)) continue;
    const prefix = word.length > 1 && word.endsWith('*');
    const text = prefix ? word.slice(0, -1) : word;
    terms.push(`"${text.replaceAll('"', '""')}"${prefix ? '*' : ''}`);
  }
  return terms.length === 0 ? undefined : terms.join(' AND ');
}

/**
 * The exchange log of one database connection: `AishStore.exchanges`, or
 * `ExchangeLog.open(file)` for a connection of its own.
 */
export class ExchangeLog {
  private readonly insert: Statement<[NewLoggedExchange]>;
  private readonly byId: Statement<[number], LoggedExchange>;
  private readonly queries = new Map<string, Statement>();

  constructor(private readonly db: Database) {
    this.insert = db.prepare(
      `INSERT INTO exchanges (${COLUMNS.replace('id, ', '')})
       VALUES (@started_at, @command_line, @specialist, @model, @message, @answer, @tokens_in, @tokens_out, @duration_ms, @status, @error_code, @session_id, @cost_usd, @cache_key, @cached_from)`,
    );
    this.byId = db.prepare(`SELECT ${COLUMNS} FROM exchanges WHERE id = ?`);
    this.byKey = db.prepare(
      `SELECT id, model, answer, tokens_in, tokens_out, cost_usd FROM exchanges
        WHERE cache_key = ? AND started_at >= ? ORDER BY id DESC LIMIT 1`,
    );
  }

  private readonly byKey: Statement<[string, number], CachedAnswer>;

  /**
   * Opens (creating and migrating it when needed) the database at `file` for
   * the log alone: cheaper than a whole `AishStore`, whose statements it does
   * not prepare. Throws `StoreError` `STORE_INVALID` as `AishStore.open` does.
   */
  static open(file: string): ExchangeLog {
    return new ExchangeLog(openDatabase(file));
  }

  /** Closes the connection. (A store's own log shares the store's connection: close the store instead.) */
  close(): void {
    this.db.close();
  }

  /** Writes one finished exchange (one statement: the row and its index entry together); returns its id. */
  record(exchange: NewLoggedExchange): number {
    // Only a complete answer may answer again: a failed or cut-short one never keeps its key.
    const cacheKey = exchange.status === 'ok' ? (exchange.cache_key ?? null) : null;
    return Number(this.insert.run({ ...exchange, cache_key: cacheKey, cached_from: exchange.cached_from ?? null }).lastInsertRowid);
  }

  /** The newest exchange started at or after `since` (ms) that answers the request `key`, if any. */
  cached(key: string, since = 0): CachedAnswer | undefined {
    return this.byKey.get(key, since);
  }

  /** Entries now, and hits and dollars saved since `since` (ms). */
  cacheStats(since: number): CacheStats {
    const entries = this.statement('SELECT count(*) FROM exchanges WHERE cache_key IS NOT NULL').pluck().get() as number;
    const row = this.statement(
      `SELECT count(*) AS hits, coalesce(sum(o.cost_usd), 0) AS saved_usd
         FROM exchanges e LEFT JOIN exchanges o ON o.id = e.cached_from
        WHERE e.cached_from IS NOT NULL AND e.started_at >= ?`,
    ).get(since) as { hits: number; saved_usd: number };
    return { entries, hits: row.hits, saved_usd: Number(row.saved_usd.toPrecision(12)) };
  }

  /**
   * Stops exchanges started before `before` (ms; all when undefined) from
   * answering again; they stay in the history. Returns how many stopped.
   */
  clearCache(before?: number): number {
    const sql = `UPDATE exchanges SET cache_key = NULL WHERE cache_key IS NOT NULL${before === undefined ? '' : ' AND started_at < ?'}`;
    const statement = this.statement(sql);
    return (before === undefined ? statement.run() : statement.run(before)).changes;
  }

  /** US dollars spent on exchanges started at or after `since` (ms), known costs only (`budget.per_day`). */
  spentSince(since: number): number {
    return this.statement('SELECT coalesce(sum(cost_usd), 0) FROM exchanges WHERE started_at >= ?').pluck().get(since) as number;
  }

  /** The exchange with this id. */
  get(id: number): LoggedExchange | undefined {
    return this.byId.get(id);
  }

  /**
   * The most recent exchanges matching `query`, newest first. Throws
   * `RangeError` when `search` has no word to look for (see {@link searchExpression}).
   */
  find(query: ExchangeQuery = {}): LoggedExchange[] {
    const conditions: string[] = [];
    const parameters: Record<string, string | number> = { limit: query.limit ?? -1 };
    if (query.specialist !== undefined) {
      conditions.push('e.specialist = @specialist');
      parameters.specialist = query.specialist;
    }
    if (query.since !== undefined) {
      conditions.push('e.started_at >= @since');
      parameters.since = query.since;
    }
    let from = 'exchanges e';
    if (query.search !== undefined) {
      const expression = searchExpression(query.search);
      if (expression === undefined) throw new RangeError('nothing to search for: the words have no letters or digits');
      // Walking the index newest first and joining each hit lets LIMIT stop the walk early.
      from = 'exchanges_fts f JOIN exchanges e ON e.id = f.rowid';
      conditions.unshift('exchanges_fts MATCH @match');
      parameters.match = expression;
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const order = query.search !== undefined ? 'f.rowid' : 'e.id';
    const sql = `SELECT ${COLUMNS.split(', ').map((column) => `e.${column}`).join(', ')} FROM ${from} ${where} ORDER BY ${order} DESC LIMIT @limit`;
    return this.statement(sql).all(parameters) as LoggedExchange[];
  }

  /** Tokens and cost by specialist and model, for exchanges started at or after `since` (ms). */
  costs(since?: number): CostRow[] {
    const sql = `SELECT specialist, model, count(*) AS exchanges,
                        coalesce(sum(tokens_in), 0) AS tokens_in, coalesce(sum(tokens_out), 0) AS tokens_out,
                        sum(cost_usd) AS cost_usd, count(*) - count(cost_usd) AS unpriced
                   FROM exchanges ${since === undefined ? '' : 'WHERE started_at >= @since'}
                  GROUP BY specialist, model ORDER BY specialist, model`;
    return this.statement(sql).all(since === undefined ? {} : { since }) as CostRow[];
  }

  /** How many exchanges the log holds. */
  count(): number {
    return this.statement('SELECT count(*) FROM exchanges').pluck().get() as number;
  }

  /** Statements are prepared once per distinct query (a handful of filter combinations). */
  private statement(sql: string): Statement {
    let statement = this.queries.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.queries.set(sql, statement);
    }
    return statement;
  }
}
