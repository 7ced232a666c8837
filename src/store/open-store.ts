/**
 * Choosing the backend from where the data is: a `postgres://` (or
 * `postgresql://`) URL is PostgreSQL, anything else a SQLite file path.
 */
import type { ExchangeLog } from './exchange-log.js';
import { SqliteExchangeLog } from './sqlite-exchange-log.js';
import { SqliteStore } from './sqlite-store.js';
import type { AishStore } from './store.js';

/** How a store is opened. */
export interface StoreOptions {
  /** PostgreSQL: the most connections the pool opens (default 10). SQLite has one connection. */
  poolSize?: number;
}

/** Whether `location` names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * Opens the store at `location` (a SQLite file, created when missing, or a
 * PostgreSQL URL), migrating it forward. Rejects with `StoreError`
 * `STORE_INVALID` when it is not an aish database or was written by a newer aish.
 */
export async function openStore(location: string, _options: StoreOptions = {}): Promise<AishStore> {
  return SqliteStore.open(location);
}

/** The exchange log alone at `location`: cheaper than a whole store when only the log is wanted (`aish -c`). */
export async function openExchangeLog(location: string): Promise<ExchangeLog> {
  return SqliteExchangeLog.open(location);
}
