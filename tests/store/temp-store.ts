/**
 * The store contract's backends, and temporary stores for its tests: every store test runs
 * once per backend (`forEachBackend`), each test on a new empty database that is closed
 * (and, for SQLite, removed) afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe } from 'vitest';
import { freshPostgresDatabase, hasPostgres } from '../support/engines.js';
import { openStore as openAnyStore, StoreError, type AishStore, type NewExchange, type NewLoggedExchange } from '../../src/store/index.js';

const folders: string[] = [];
const stores: AishStore[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) {
    try {
      await store.close();
    } catch {
      // Already closed by the test.
    }
  }
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A new empty folder, removed after the test. */
export function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'aish-store-'));
  folders.push(folder);
  return folder;
}

/** One implementation of the store, as the contract tests see it. */
export interface StoreBackend {
  readonly name: 'SQLite' | 'PostgreSQL';
  /** Whether it can run here (PostgreSQL needs its binaries; see tests/support/engines.ts). */
  readonly available: boolean;
  /** Where a new, empty database is: a file in a temp folder, or a new PostgreSQL database. */
  newLocation(): Promise<string>;
  /** Runs `sql` behind the store's back on the database at `location`; its rows. */
  query(location: string, sql: string): Promise<Record<string, unknown>[]>;
}

const sqlite: StoreBackend = {
  name: 'SQLite',
  available: true,
  async newLocation() {
    return join(tempFolder(), 'aish.db');
  },
  async query(location, sql) {
    const db = new Database(location);
    try {
      const statement = db.prepare(sql);
      if (statement.reader) return statement.all() as Record<string, unknown>[];
      statement.run();
      return [];
    } finally {
      db.close();
    }
  },
};

const postgres: StoreBackend = {
  name: 'PostgreSQL',
  available: hasPostgres,
  newLocation: freshPostgresDatabase,
  async query(location, sql) {
    const client = new pg.Client({ connectionString: location });
    await client.connect();
    try {
      return (await client.query(sql)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  },
};

/** Every backend of the store contract. */
export const STORE_BACKENDS: readonly StoreBackend[] = [sqlite, postgres];

/** Declares the `body` tests once per backend, in a describe block named after it (skipped where it cannot run). */
export function forEachBackend(body: (backend: StoreBackend) => void): void {
  for (const backend of STORE_BACKENDS) describe.skipIf(!backend.available)(backend.name, () => body(backend));
}

/** A store on `location` (by default a new empty database of `backend`), closed after the test. */
export async function openStore(backend: StoreBackend, location?: string): Promise<AishStore> {
  const store = await openAnyStore(location ?? (await backend.newLocation()));
  stores.push(store);
  return store;
}

/** A plain better-sqlite3 connection, for looking behind a SQLite store's back. */
export function rawConnection(file: string): Database.Database {
  return new Database(file);
}

/** A session with defaults, created in `store`. */
export function createSession(store: AishStore, id: string, overrides: { name?: string; ttl_s?: number; now?: number } = {}) {
  return store.createSession({ id, specialist_id: 'apollo', context_window: 10, ttl_s: overrides.ttl_s ?? 3600, now: overrides.now ?? 1_000, ...overrides });
}

/** Exchange number `n` with recognisable content: `q<n>` answered by `a<n>`. */
export function exchange(n: number, now = 2_000 + n): NewExchange {
  return {
    user: { content: `q${n}`, timestamp: now, tokens: n },
    assistant: { content: `a${n}`, timestamp: now + 1, tokens: n * 10, specialist_id: 'apollo' },
    now: now + 1,
  };
}

/** An exchange-log record with defaults; `n` makes its time and text recognisable. */
export function loggedExchange(n: number, fields: Partial<NewLoggedExchange> = {}): NewLoggedExchange {
  return {
    started_at: 1_000_000 + n * 1000,
    command_line: `echo ${n} | apollo`,
    specialist: 'apollo',
    model: 'openai/gpt-4o-mini',
    message: `message ${n}`,
    answer: `answer ${n}`,
    tokens_in: 10,
    tokens_out: 20,
    duration_ms: 5,
    status: 'ok',
    error_code: null,
    session_id: null,
    cost_usd: 0.001,
    ...fields,
  };
}

/** Awaits `run`, which must reject with a `StoreError` with `code` and a message matching `message`; returns it. */
export async function expectStoreError(run: () => Promise<unknown>, code: string, message: RegExp): Promise<StoreError> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  if (caught === undefined) throw new Error(`expected ${code}, but it succeeded`);
  if (!(caught instanceof StoreError)) throw new Error(`expected a StoreError ${code}, got ${String(caught)}`);
  const error = caught;
  if (error.code !== code || !message.test(error.message)) throw new Error(`expected ${code} matching ${message}, got ${error.code}: ${error.message}`);
  return error;
}
