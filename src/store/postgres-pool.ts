/**
 * The connection pool of a PostgreSQL store (`pg`): numbers come back as
 * numbers, a server that cannot be reached is a `STORE_UNAVAILABLE` refusal
 * (at once, not after hanging), and `inTransaction` runs work on one client
 * between BEGIN and COMMIT.
 */
import pg from 'pg';
import { StoreError } from './store-error.js';

/** The pool size unless configured (`server.db_pool`, `--db-pool`). */
export const DEFAULT_POOL_SIZE = 10;

/** How long a call waits for a connection before it is refused as unavailable. */
const CONNECT_TIMEOUT_MS = 5_000;

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Times (ms since the epoch), ids, counts and sums are BIGINT or NUMERIC, which
 * `pg` returns as strings by default; every one aish stores fits in a double.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID || oid === NUMERIC_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** A pool on `url` with at most `size` connections. */
export function createPool(url: string, size = DEFAULT_POOL_SIZE): pg.Pool {
  // allowExitOnIdle: a short-lived aish (`aish -c` logging to PostgreSQL) exits once its calls are done, without waiting for idle connections to time out.
  const pool = new pg.Pool({ connectionString: url, max: size, types, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'aish', allowExitOnIdle: true });
  // An idle connection the server dropped (a restart) is discarded by the pool; the next call opens a new one.
  pool.on('error', () => {});
  return pool;
}

/** `url` without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the PostgreSQL URL';
  }
}

/** SQLSTATE classes and codes meaning the server is away, not that the statement was wrong. */
const UNAVAILABLE_STATES = /^(08|57P0[1-3]|53300)/;
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);

/** Whether `error` says the database server cannot be reached right now. */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_STATES.test(code) || UNAVAILABLE_ERRNOS.has(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message);
}

/** `error` as `STORE_UNAVAILABLE` when the server is away; anything else as it is. */
export function storeFailure(error: unknown, location: string): unknown {
  if (error instanceof StoreError || !isUnavailable(error)) return error;
  return new StoreError('STORE_UNAVAILABLE', `the database ${location} is unavailable: ${(error as Error).message}`, { file: location, cause: error });
}

/** Something that runs SQL: the pool, or one client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/**
 * Runs `work` on one client between BEGIN and COMMIT (ROLLBACK when it throws).
 * A client whose connection broke is destroyed rather than returned to the pool.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}
