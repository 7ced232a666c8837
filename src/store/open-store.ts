/**
 * Choosing the backend from where the data is: a `postgres://` (or
 * `postgresql://`) URL is PostgreSQL, anything else a SQLite file path. The
 * PostgreSQL driver is loaded only for a URL.
 */
import type { ExchangeLog } from './exchange-log.js';
import { isPostgresUrl } from './location.js';
import { SCHEMA_VERSION } from './migrations.js';
import type { MigrateOptions } from './open-database.js';
import { SqliteExchangeLog } from './sqlite-exchange-log.js';
import { SqliteStore } from './sqlite-store.js';
import type { AishStore } from './store.js';

/** How a store is opened. */
export interface StoreOptions extends MigrateOptions {
  /** PostgreSQL: the most connections the pool opens (default 10). SQLite has one connection. */
  poolSize?: number;
}


/**
 * Opens the store at `location` (a SQLite file, created when missing, or a
 * PostgreSQL URL), migrating it forward unless `options.migrate` is false.
 * Rejects with `StoreError`: `STORE_INVALID` when it is not an aish database or
 * was written by a newer aish (left untouched), `NEEDS_MIGRATION` when it is older
 * and may not be migrated, `STORE_UNAVAILABLE` when its server cannot be reached.
 */
export async function openStore(location: string, options: StoreOptions = {}): Promise<AishStore> {
  if (!isPostgresUrl(location)) return SqliteStore.open(location, options);
  const { PostgresStore } = await import('./postgres-store.js');
  return PostgresStore.open(location, options);
}

/** The exchange log alone at `location`: cheaper than a whole store when only the log is wanted (`aish -c`). */
export async function openExchangeLog(location: string, options: StoreOptions = {}): Promise<ExchangeLog> {
  if (!isPostgresUrl(location)) return SqliteExchangeLog.open(location, options);
  const { PostgresStore } = await import('./postgres-store.js');
  return (await PostgresStore.open(location, { poolSize: 2, ...options })).ownedLog();
}

/** What `migrateStore` did. */
export interface MigrationReport {
  /** The schema version before. */
  from: number;
  /** The schema version now (this aish's). */
  to: number;
  /** The migrations applied, oldest first; empty when the database was current. */
  applied: string[];
}

/** Brings the database at `location` to this aish's schema (for deploys that migrate before starting servers). */
export async function migrateStore(location: string): Promise<MigrationReport> {
  let report: MigrationReport = { from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] };
  const store = await openStore(location, { poolSize: 1, applied: (applied, from) => (report = { from, to: SCHEMA_VERSION, applied }) });
  await store.close();
  return report;
}
