/**
 * The exchange log and session leases on PostgreSQL. Words are searched through
 * the generated `words` column (a tsvector in the `aish_search` configuration:
 * stemmed like FTS5's porter tokenizer, no stop words) and its GIN index.
 */
import type pg from 'pg';
import { EXCHANGE_COLUMNS, storedCacheKey, TOKEN_CHARACTER, type CachedAnswer, type CacheStats, type CostRow, type ExchangeLog, type ExchangeQuery, type LoggedExchange, type NewLoggedExchange } from './exchange-log.js';
import { inTransaction } from './postgres-pool.js';
import type { SessionLeases } from './store.js';

const INSERT = `INSERT INTO exchanges (${EXCHANGE_COLUMNS.replace('id, ', '')})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`;

/** An exchange's values in the order of {@link INSERT}'s columns. */
function insertValues(exchange: NewLoggedExchange): unknown[] {
  return [
    exchange.started_at, exchange.command_line, exchange.specialist, exchange.model, exchange.message, exchange.answer, exchange.tokens_in, exchange.tokens_out,
    exchange.duration_ms, exchange.status, exchange.error_code, exchange.session_id, exchange.cost_usd, storedCacheKey(exchange), exchange.cached_from ?? null,
    exchange.tool_calls ?? null,
  ];
}

/** Runs a piece of work against the database, turning "the server is away" into `STORE_UNAVAILABLE`. */
export type Guard = <T>(work: () => Promise<T>) => Promise<T>;

/** The exchange log in a PostgreSQL database: `PostgresStore.exchanges`, or `openExchangeLog(url)`. */
export class PostgresExchangeLog implements ExchangeLog {
  constructor(
    private readonly pool: pg.Pool,
    private readonly guard: Guard,
    /** What `close` does: nothing for a store's own log (the store closes the pool). */
    private readonly closePool: () => Promise<void>,
  ) {}

  close(): Promise<void> {
    return this.closePool();
  }

  async record(exchange: NewLoggedExchange): Promise<number> {
    const rows = await this.rows<{ id: number }>(`${INSERT} RETURNING id`, insertValues(exchange));
    return rows[0]!.id;
  }

  async recordAll(exchanges: readonly NewLoggedExchange[]): Promise<void> {
    await this.guard(() =>
      inTransaction(this.pool, async (client) => {
        for (const exchange of exchanges) await client.query(INSERT, insertValues(exchange));
      }),
    );
  }

  async cached(key: string, since = 0): Promise<CachedAnswer | undefined> {
    const rows = await this.rows<CachedAnswer>(
      'SELECT id, model, answer, tokens_in, tokens_out, cost_usd FROM exchanges WHERE cache_key = $1 AND started_at >= $2 ORDER BY id DESC LIMIT 1',
      [key, since],
    );
    return rows[0];
  }

  async cacheStats(since: number): Promise<CacheStats> {
    const rows = await this.rows<{ entries: number; hits: number; saved_usd: number }>(
      `SELECT (SELECT count(*) FROM exchanges WHERE cache_key IS NOT NULL) AS entries,
              count(*) AS hits, coalesce(sum(o.cost_usd), 0) AS saved_usd
         FROM exchanges e LEFT JOIN exchanges o ON o.id = e.cached_from
        WHERE e.cached_from IS NOT NULL AND e.started_at >= $1`,
      [since],
    );
    const row = rows[0]!;
    return { entries: row.entries, hits: row.hits, saved_usd: Number(row.saved_usd.toPrecision(12)) };
  }

  async clearCache(before?: number): Promise<number> {
    const sql = `UPDATE exchanges SET cache_key = NULL WHERE cache_key IS NOT NULL${before === undefined ? '' : ' AND started_at < $1'}`;
    return this.guard(async () => (await this.pool.query(sql, before === undefined ? [] : [before])).rowCount ?? 0);
  }

  async spentSince(since: number): Promise<number> {
    const rows = await this.rows<{ spent: number }>('SELECT coalesce(sum(cost_usd), 0) AS spent FROM exchanges WHERE started_at >= $1', [since]);
    return rows[0]!.spent;
  }

  async get(id: number): Promise<LoggedExchange | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    return (await this.rows<LoggedExchange>(`SELECT ${EXCHANGE_COLUMNS} FROM exchanges WHERE id = $1`, [id]))[0];
  }

  async find(query: ExchangeQuery = {}): Promise<LoggedExchange[]> {
    const conditions: string[] = [];
    const values: unknown[] = [];
    const value = (item: unknown): string => `$${values.push(item)}`;
    if (query.search !== undefined) {
      const terms = searchTerms(query.search);
      if (terms.length === 0) throw new RangeError('nothing to search for: the words have no letters or digits');
      for (const term of terms) {
        conditions.push(term.prefix ? `words @@ to_tsquery('aish_search', ${value(prefixQuery(term.text))})` : `words @@ phraseto_tsquery('aish_search', ${value(term.text)})`);
      }
    }
    if (query.specialist !== undefined) conditions.push(`specialist = ${value(query.specialist)}`);
    if (query.since !== undefined) conditions.push(`started_at >= ${value(query.since)}`);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    return this.rows<LoggedExchange>(`SELECT ${EXCHANGE_COLUMNS} FROM exchanges ${where} ORDER BY id DESC LIMIT ${value(query.limit ?? null)}`, values);
  }

  async costs(since?: number): Promise<CostRow[]> {
    return this.rows<CostRow>(
      `SELECT specialist, model, count(*) AS exchanges,
              coalesce(sum(tokens_in), 0) AS tokens_in, coalesce(sum(tokens_out), 0) AS tokens_out,
              sum(cost_usd) AS cost_usd, count(*) - count(cost_usd) AS unpriced
         FROM exchanges ${since === undefined ? '' : 'WHERE started_at >= $1'}
        GROUP BY specialist, model ORDER BY specialist COLLATE "C", model COLLATE "C" NULLS FIRST`,
      since === undefined ? [] : [since],
    );
  }

  async count(): Promise<number> {
    return (await this.rows<{ count: number }>('SELECT count(*) AS count FROM exchanges'))[0]!.count;
  }

  private rows<Row extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<Row[]> {
    return this.guard(async () => (await this.pool.query<Row>(sql, values)).rows);
  }
}

/** One word to look for; `prefix` when it ended in `*` (`auth*`). */
interface SearchTerm {
  text: string;
  prefix: boolean;
}

/** The user's words, as `searchExpression` reads them for FTS5: words without a letter or digit are dropped. */
function searchTerms(words: string): SearchTerm[] {
  const terms: SearchTerm[] = [];
  // PostgreSQL text cannot hold NUL: it separates words like a blank.
  for (const word of words.replaceAll('\0', ' ').split(/\s+/)) {
    if (!TOKEN_CHARACTER.test(word)) continue;
    const prefix = word.length > 1 && word.endsWith('*');
    terms.push({ text: prefix ? word.slice(0, -1) : word, prefix });
  }
  return terms;
}

/** A tsquery matching words that start with `text`: quoted, so none of its characters is tsquery syntax. */
function prefixQuery(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}':*`;
}

/** `SessionLeases` in a PostgreSQL database: each call one statement, atomic across replicas. */
export class PostgresSessionLeases implements SessionLeases {
  constructor(
    private readonly pool: pg.Pool,
    private readonly guard: Guard,
  ) {}

  tryTake(sessionId: string, holder: string, now: number, until: number): Promise<boolean> {
    return this.changed(
      `INSERT INTO session_locks (session_id, holder, expires_at) VALUES ($1, $2, $4)
       ON CONFLICT (session_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE session_locks.expires_at <= $3 OR session_locks.holder = excluded.holder`,
      [sessionId, holder, now, until],
    );
  }

  extend(sessionId: string, holder: string, until: number): Promise<boolean> {
    return this.changed('UPDATE session_locks SET expires_at = $3 WHERE session_id = $1 AND holder = $2', [sessionId, holder, until]);
  }

  async give(sessionId: string, holder: string): Promise<void> {
    await this.changed('DELETE FROM session_locks WHERE session_id = $1 AND holder = $2', [sessionId, holder]);
  }

  private changed(sql: string, values: unknown[]): Promise<boolean> {
    return this.guard(async () => (await this.pool.query(sql, values)).rowCount === 1);
  }
}
