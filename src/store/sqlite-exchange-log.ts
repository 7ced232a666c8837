/**
 * The exchange log on SQLite: searchable by words through the FTS5 index
 * `exchanges_fts`, which triggers keep in step with the table. Exchanges
 * other processes left as pending files (pending-exchanges.ts) are folded in
 * when the log is opened and before every read, so every reader sees them.
 */
import { statSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { EXCHANGE_COLUMNS, storedCacheKey, TOKEN_CHARACTER, type CachedAnswer, type CacheStats, type CostRow, type ExchangeLog, type ExchangeQuery, type LoggedExchange, type NewLoggedExchange } from './exchange-log.js';
import { openDatabase, type MigrateOptions } from './open-database.js';
import { pendingFileNames, pendingFolder, readPendingFile, removePendingFile, setAsideUnreadable } from './pending-exchanges.js';

type Database = BetterSqlite3.Database;
type Statement<Parameters extends unknown[] = unknown[], Row = unknown> = BetterSqlite3.Statement<Parameters, Row>;

const COLUMNS = EXCHANGE_COLUMNS;
const BY_ID = `SELECT ${COLUMNS} FROM exchanges WHERE id = ?`;
const BY_KEY = `SELECT id, model, answer, tokens_in, tokens_out, cost_usd FROM exchanges
  WHERE cache_key = ? AND started_at >= ? ORDER BY id DESC LIMIT 1`;

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
 * The exchange log of one SQLite connection: `SqliteStore.exchanges`, or
 * `SqliteExchangeLog.open(file)` for a connection of its own.
 */
export class SqliteExchangeLog implements ExchangeLog {
  private readonly insert: Statement<[NewLoggedExchange]>;
  private readonly queries = new Map<string, Statement>();
  /** The database's pending folder; undefined in memory. */
  private readonly pending: string | undefined;
  /** One pending file's rows and its name, in a savepoint of their own: a file whose records the table refuses is set aside alone. */
  private readonly foldFile: (name: string, exchanges: NewLoggedExchange[]) => void;

  constructor(private readonly db: Database) {
    this.insert = db.prepare(
      `INSERT INTO exchanges (${COLUMNS.replace('id, ', '')})
       VALUES (@started_at, @command_line, @specialist, @model, @message, @answer, @tokens_in, @tokens_out, @duration_ms, @status, @error_code, @session_id, @cost_usd, @cache_key, @cached_from, @tool_calls)`,
    );
    this.pending = db.memory ? undefined : pendingFolder(db.name);
    this.foldFile = db.transaction((name: string, exchanges: NewLoggedExchange[]) => {
      for (const exchange of exchanges) this.insertOne(exchange);
      this.statement('INSERT INTO pending_files_folded (name) VALUES (?)').run(name);
    });
    this.foldPending();
  }

  /**
   * Opens (creating and migrating it when needed) the database at `file` for
   * the log alone: cheaper than a whole `AishStore`, whose statements it does
   * not prepare. Throws `StoreError` `STORE_INVALID` as `AishStore.open` does.
   */
  static open(file: string, options: MigrateOptions = {}): SqliteExchangeLog {
    return new SqliteExchangeLog(openDatabase(file, options));
  }

  /** Closes the connection. (A store's own log shares the store's connection: close the store instead.) */
  async close(): Promise<void> {
    this.db.close();
  }

  async record(exchange: NewLoggedExchange): Promise<number> {
    return Number(this.insertOne(exchange).lastInsertRowid);
  }

  async recordAll(exchanges: readonly NewLoggedExchange[]): Promise<void> {
    this.db
      .transaction(() => {
        for (const exchange of exchanges) this.insertOne(exchange);
      })
      .immediate();
  }

  private insertOne(exchange: NewLoggedExchange): BetterSqlite3.RunResult {
    return this.insert.run({ ...exchange, cache_key: storedCacheKey(exchange), cached_from: exchange.cached_from ?? null, tool_calls: exchange.tool_calls ?? null });
  }

  /**
   * Folds the pending exchange files into the log, oldest first, each with its
   * name in one immediate transaction (so two processes folding at once fold a
   * file once), then removes them. Best effort: a log that cannot be written
   * now (read-only, busy) is still read, and its pending files wait.
   */
  private foldPending(): void {
    const folder = this.pending;
    if (folder === undefined) return;
    // Most of the time there is no folder: a stat says so without the cost of a thrown error.
    if (statSync(folder, { throwIfNoEntry: false }) === undefined) return;
    const names = pendingFileNames(folder);
    if (names.length === 0) return;
    try {
      const done = this.db
        .transaction(() => {
          const folded: string[] = [];
          for (const name of names) {
            if (this.statement('SELECT 1 FROM pending_files_folded WHERE name = ?').get(name) !== undefined) {
              folded.push(name);
              continue;
            }
            let exchanges: NewLoggedExchange[] | undefined;
            try {
              exchanges = readPendingFile(folder, name);
              if (exchanges === undefined) continue;
              this.foldFile(name, exchanges);
            } catch (error) {
              // A database that cannot be written stops the fold; a file that is not exchanges is set aside.
              if (error instanceof Error && error.name === 'SqliteError' && !/^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG)/.test((error as { code?: string }).code ?? '')) throw error;
              setAsideUnreadable(folder, name);
              continue;
            }
            folded.push(name);
          }
          return folded;
        })
        .immediate();
      const removed = done.filter((name) => removePendingFile(folder, name));
      const forget = this.statement('DELETE FROM pending_files_folded WHERE name = ?');
      if (removed.length > 0) this.db.transaction(() => removed.forEach((name) => forget.run(name))).immediate();
    } catch {
      // Read-only or busy: the files stay for a later fold.
    }
  }

  async cached(key: string, since = 0): Promise<CachedAnswer | undefined> {
    this.foldPending();
    // Prepared when first used, as every query but the insert: an `aish -c` line only inserts.
    return this.statement(BY_KEY).get(key, since) as CachedAnswer | undefined;
  }

  async cacheStats(since: number): Promise<CacheStats> {
    this.foldPending();
    const entries = this.statement('SELECT count(*) FROM exchanges WHERE cache_key IS NOT NULL').pluck().get() as number;
    const row = this.statement(
      `SELECT count(*) AS hits, coalesce(sum(o.cost_usd), 0) AS saved_usd
         FROM exchanges e LEFT JOIN exchanges o ON o.id = e.cached_from
        WHERE e.cached_from IS NOT NULL AND e.started_at >= ?`,
    ).get(since) as { hits: number; saved_usd: number };
    return { entries, hits: row.hits, saved_usd: Number(row.saved_usd.toPrecision(12)) };
  }

  async clearCache(before?: number): Promise<number> {
    this.foldPending();
    const sql = `UPDATE exchanges SET cache_key = NULL WHERE cache_key IS NOT NULL${before === undefined ? '' : ' AND started_at < ?'}`;
    const statement = this.statement(sql);
    return (before === undefined ? statement.run() : statement.run(before)).changes;
  }

  async spentSince(since: number): Promise<number> {
    this.foldPending();
    return this.statement('SELECT coalesce(sum(cost_usd), 0) FROM exchanges WHERE started_at >= ?').pluck().get(since) as number;
  }

  async get(id: number): Promise<LoggedExchange | undefined> {
    this.foldPending();
    return this.statement(BY_ID).get(id) as LoggedExchange | undefined;
  }

  async find(query: ExchangeQuery = {}): Promise<LoggedExchange[]> {
    this.foldPending();
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

  async costs(since?: number): Promise<CostRow[]> {
    this.foldPending();
    const sql = `SELECT specialist, model, count(*) AS exchanges,
                        coalesce(sum(tokens_in), 0) AS tokens_in, coalesce(sum(tokens_out), 0) AS tokens_out,
                        sum(cost_usd) AS cost_usd, count(*) - count(cost_usd) AS unpriced
                   FROM exchanges ${since === undefined ? '' : 'WHERE started_at >= @since'}
                  GROUP BY specialist, model ORDER BY specialist, model`;
    return this.statement(sql).all(since === undefined ? {} : { since }) as CostRow[];
  }

  async count(): Promise<number> {
    this.foldPending();
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
