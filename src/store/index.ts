/**
 * The aish store: sessions, messages, capability performance, the exchange log
 * (with the answer cache and budgets) and session leases, behind one
 * asynchronous interface with a SQLite implementation (one file, WAL) and named
 * forward migrations. Imports nothing else of aish.
 */
export { newSessionRecord, type AishStore, type CapabilityStats, type ImportOptions, type NewExchange, type NewSession, type SessionLeases } from './store.js';
export { isPostgresUrl } from './location.js';
export { migrateStore, openExchangeLog, openStore, type MigrationReport, type StoreOptions } from './open-store.js';
export { SqliteStore } from './sqlite-store.js';
export { type CachedAnswer, type CacheStats, type CostRow, type ExchangeLog, type ExchangeQuery, type ExchangeStatus, type LoggedExchange, type NewLoggedExchange } from './exchange-log.js';
export { searchExpression, SqliteExchangeLog } from './sqlite-exchange-log.js';
export { closeAllDatabases } from './open-database.js';
export { SqliteSessionLeases } from './sqlite-session-leases.js';
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.js';
export type { MessageRecord, SessionExport, SessionRecord, SessionSummary } from './records.js';
export { StoreError, type StoreErrorCode, type StoreErrorFields } from './store-error.js';
