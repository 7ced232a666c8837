/**
 * The aish store on PostgreSQL, through a `pg` pool, for replicas that share
 * one database. Writes that belong together run in one transaction, as SQLite's
 * immediate transactions do: an append locks its session's row first, so
 * concurrent appends to one session (from any replica) queue up and each sees
 * the one before it; creating or importing a session takes a transaction-scoped
 * advisory lock, so the id and name checks and the insert are one step.
 */
import type pg from 'pg';
import { PostgresExchangeLog, PostgresSessionLeases } from './postgres-exchange-log.js';
import { preparePostgres } from './postgres-migrations.js';
import { createPool, inTransaction, redactedUrl, storeFailure, type Queryable } from './postgres-pool.js';
import type { MigrateOptions } from './open-database.js';
import { sessionFromRow, type MessageRecord, type SessionExport, type SessionRecord, type SessionRow, type SessionSummary } from './records.js';
import { parseSessionExport } from './session-import.js';
import { StoreError } from './store-error.js';
import { findClash, newSessionRecord, type AishStore, type CapabilityStats, type ClashMode, type ImportOptions, type NewExchange, type NewSession, type SessionKeys } from './store.js';

/** The advisory lock key of session creation and import ('aiss' in ASCII), held until the transaction ends. */
const SESSION_KEYS_LOCK = 0x61697373;

const SESSION_COLUMNS = 'id, name, specialist_id, context_window, ttl_s, metadata, created_at, last_activity, expires_at';
const MESSAGE_COLUMNS = 'role, content, timestamp, tokens_input, tokens_output, specialist_id';

/** What opening a PostgreSQL store takes besides its URL. */
export interface PostgresStoreOptions extends MigrateOptions {
  /** The most connections the pool opens. */
  poolSize?: number;
}

/** The aish database in PostgreSQL. Open with `PostgresStore.open` (or `openStore`). */
export class PostgresStore implements AishStore {
  readonly exchanges: PostgresExchangeLog;
  readonly sessionLeases: PostgresSessionLeases;

  private constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
  ) {
    const guard = <T>(work: () => Promise<T>) => this.guarded(work);
    this.exchanges = new PostgresExchangeLog(pool, guard, async () => {});
    this.sessionLeases = new PostgresSessionLeases(pool, guard);
  }

  /**
   * Connects to the database at `url` and migrates it forward (under an advisory
   * lock, so one replica migrates while the others wait). Rejects with
   * `STORE_INVALID` for a database that is not aish's or that a newer aish wrote,
   * `NEEDS_MIGRATION` when `options.migrate` is false and it is older, and
   * `STORE_UNAVAILABLE` when the server cannot be reached.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const location = redactedUrl(url);
    const pool = createPool(url, options.poolSize);
    try {
      await preparePostgres(pool, location, options);
    } catch (error) {
      await pool.end().catch(() => {});
      throw storeFailure(error, location);
    }
    return new PostgresStore(pool, location);
  }

  private closing: Promise<void> | undefined;

  /** Ends the pool once (a second call waits for the first: `pg` refuses to end a pool twice). */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }

  /** The exchange log on this store's pool, closing the whole store when it is closed (`openExchangeLog`). */
  ownedLog(): PostgresExchangeLog {
    return new PostgresExchangeLog(this.pool, (work) => this.guarded(work), () => this.close());
  }

  async recordCapabilityCall(specialistId: string, capability: string, elapsedMs: number, success: boolean): Promise<void> {
    await this.query(
      `INSERT INTO capability_stats (specialist_id, capability, requests, successes, total_ms) VALUES ($1, $2, 1, $3, $4)
       ON CONFLICT (specialist_id, capability) DO UPDATE SET
         requests = capability_stats.requests + 1, successes = capability_stats.successes + excluded.successes, total_ms = capability_stats.total_ms + excluded.total_ms`,
      [specialistId, capability, success ? 1 : 0, Math.max(0, Math.round(elapsedMs))],
    );
  }

  async addClientSpending(client: string, day: string, usd: number): Promise<number> {
    const rows = await this.query<{ usd: number }>(
      `INSERT INTO client_spending (client, day, usd) VALUES ($1, $2, $3)
       ON CONFLICT (client, day) DO UPDATE SET usd = client_spending.usd + excluded.usd RETURNING usd`,
      [client, day, usd],
    );
    return Number(rows[0]!.usd);
  }

  async clientSpending(client: string, day: string): Promise<number> {
    const rows = await this.query<{ usd: number }>('SELECT usd FROM client_spending WHERE client = $1 AND day = $2', [client, day]);
    return rows.length === 0 ? 0 : Number(rows[0]!.usd);
  }

  async capabilityStats(capability: string): Promise<CapabilityStats[]> {
    return this.query<CapabilityStats>('SELECT specialist_id, requests, successes, total_ms FROM capability_stats WHERE capability = $1', [capability]);
  }

  async createSession(input: NewSession): Promise<SessionRecord> {
    const session = newSessionRecord(input);
    await this.transaction(async (client) => {
      await refuseClashes(client, session, 'create');
      await insertSession(client, session);
    });
    return session;
  }

  async openNamedSession(input: NewSession & { name: string }): Promise<{ session: SessionRecord; created: boolean }> {
    const session = { ...newSessionRecord(input), name: input.name };
    return this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [SESSION_KEYS_LOCK]);
      const existing = await sessionNamed(client, input.name);
      if (existing) return { session: existing, created: false };
      await refuseClashes(client, session, 'create');
      await insertSession(client, session);
      return { session, created: true };
    });
  }

  async findSession(idOrName: string): Promise<SessionRecord | undefined> {
    return this.guarded(() => sessionNamed(this.pool, idOrName));
  }

  async listSessions(): Promise<SessionSummary[]> {
    return this.query<SessionSummary>(
      `SELECT s.id, s.name, s.specialist_id,
              (SELECT count(*) FROM messages m WHERE m.session_id = s.id) AS message_count,
              s.ttl_s, s.created_at, s.last_activity, s.expires_at
         FROM sessions s ORDER BY s.last_activity DESC, s.created_at DESC, s.id COLLATE "C"`,
    );
  }

  async renewSession(sessionId: string, renewal: { now: number; ttl_s?: number }): Promise<SessionRecord | undefined> {
    const rows = await this.query<SessionRow>(
      `UPDATE sessions SET ttl_s = coalesce($2::int, ttl_s), last_activity = $3::bigint, expires_at = $3::bigint + coalesce($2::int, ttl_s)::bigint * 1000
        WHERE id = $1 RETURNING ${SESSION_COLUMNS}`,
      [sessionId, renewal.ttl_s ?? null, renewal.now],
    );
    return rows[0] && sessionFromRow(rows[0]);
  }

  async deleteSession(idOrName: string): Promise<SessionRecord | undefined> {
    return this.transaction(async (client) => {
      const session = await sessionNamed(client, idOrName, 'FOR UPDATE');
      if (session) await client.query('DELETE FROM sessions WHERE id = $1', [session.id]);
      return session;
    });
  }

  async messages(sessionId: string, lastExchanges?: number): Promise<MessageRecord[]> {
    const exchanges = Math.floor(lastExchanges ?? 0);
    if (!(exchanges > 0)) return this.query<MessageRecord>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE session_id = $1 ORDER BY seq`, [sessionId]);
    return this.query<MessageRecord>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages
        WHERE session_id = $1 AND seq >= coalesce((SELECT seq FROM messages WHERE session_id = $1 AND role = 'user' ORDER BY seq DESC LIMIT 1 OFFSET $2), 0)
        ORDER BY seq`,
      [sessionId, exchanges - 1],
    );
  }

  /**
   * One statement, so one round trip: the UPDATE of the session's row waits for any
   * concurrent append to the session to commit and then works on its result (PostgreSQL
   * re-reads an updated row under READ COMMITTED), so each append gets the next two
   * sequence numbers; the messages are inserted in the same statement, all or nothing.
   * A session's messages are numbered 1, 2, … without gaps, so `last_seq` is their count.
   */
  async appendExchange(sessionId: string, exchange: NewExchange): Promise<{ message_count: number }> {
    const { user, assistant, now } = exchange;
    const rows = await this.query<{ message_count: number }>(
      `WITH touched AS (
              UPDATE sessions SET last_seq = last_seq + 2, last_activity = $9::bigint, expires_at = $9::bigint + ttl_s::bigint * 1000
               WHERE id = $1 RETURNING last_seq
            ),
            inserted AS (
              INSERT INTO messages (session_id, seq, ${MESSAGE_COLUMNS})
              SELECT $1, last_seq - 1, 'user', $2::text, $3::bigint, $4::int, NULL::int, NULL::text FROM touched
              UNION ALL
              SELECT $1, last_seq, 'assistant', $5::text, $6::bigint, NULL::int, $7::int, $8::text FROM touched
            )
       SELECT last_seq AS message_count FROM touched`,
      [sessionId, user.content, user.timestamp, user.tokens ?? null, assistant.content, assistant.timestamp, assistant.tokens ?? null, assistant.specialist_id, now],
    );
    if (rows.length === 0) throw new StoreError('SESSION_NOT_FOUND', `no session with id "${sessionId}"`);
    return { message_count: rows[0]!.message_count };
  }

  async exportSession(idOrName: string): Promise<SessionExport | undefined> {
    return this.transaction(async (client) => {
      // One snapshot for the session and its messages.
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const session = await sessionNamed(client, idOrName);
      if (!session) return undefined;
      const messages = (await client.query<MessageRecord>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE session_id = $1 ORDER BY seq`, [session.id])).rows;
      return { format: 'aish-session' as const, version: 1 as const, session, messages };
    });
  }

  async importSession(data: unknown, options: ImportOptions = {}): Promise<SessionRecord> {
    const { session, messages } = parseSessionExport(data);
    await this.transaction(async (client) => {
      await refuseClashes(client, session, options.force ? 'replace' : 'import');
      await client.query('DELETE FROM sessions WHERE id = $1', [session.id]);
      await insertSession(client, session, messages.length);
      if (messages.length === 0) return;
      await client.query(
        `INSERT INTO messages (session_id, seq, ${MESSAGE_COLUMNS})
         SELECT $1, seq, role, content, timestamp, tokens_input, tokens_output, specialist_id
           FROM unnest($2::int[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::int[], $8::text[])
             AS m (seq, role, content, timestamp, tokens_input, tokens_output, specialist_id)`,
        [
          session.id,
          messages.map((_, index) => index + 1),
          messages.map((message) => message.role),
          messages.map((message) => message.content),
          messages.map((message) => message.timestamp),
          messages.map((message) => message.tokens_input),
          messages.map((message) => message.tokens_output),
          messages.map((message) => message.specialist_id),
        ],
      );
    });
    return session;
  }

  private async query<Row extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<Row[]> {
    return this.guarded(async () => (await this.pool.query<Row>(sql, values)).rows);
  }

  private transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.guarded(() => inTransaction(this.pool, work));
  }

  /** Runs `work`, turning "the server is away" into `STORE_UNAVAILABLE`. */
  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw storeFailure(error, this.location);
    }
  }
}

/** The session with this id or, failing that, this name (one statement: the id wins). */
async function sessionNamed(client: Queryable, idOrName: string, lock = ''): Promise<SessionRecord | undefined> {
  const rows = (
    await client.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $1 OR name = $1 ORDER BY (id = $1) DESC LIMIT 1 ${lock}`,
      [idOrName],
    )
  ).rows;
  return rows[0] && sessionFromRow(rows[0]);
}

/** Throws when `session`'s id or name clashes with a stored session's; holds the session-keys lock until the transaction ends. */
async function refuseClashes(client: pg.PoolClient, session: SessionRecord, mode: ClashMode): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [SESSION_KEYS_LOCK]);
  const stored = (
    await client.query<SessionKeys>('SELECT id, name FROM sessions WHERE id = ANY($1::text[]) OR name = ANY($1::text[])', [[session.id, session.name ?? session.id]])
  ).rows;
  const clash = findClash(session, mode, stored);
  if (clash) throw clash;
}

/** Writes the session's row; `lastSeq` is the number of messages about to be stored with it. */
async function insertSession(client: pg.PoolClient, session: SessionRecord, lastSeq = 0): Promise<void> {
  await client.query(`INSERT INTO sessions (${SESSION_COLUMNS}, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [
    session.id,
    session.name,
    session.specialist_id,
    session.context_window,
    session.ttl_s,
    JSON.stringify(session.metadata),
    session.created_at,
    session.last_activity,
    session.expires_at,
    lastSeq,
  ]);
}
