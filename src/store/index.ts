/**
 * The aish store: sessions, messages and the exchange log in one SQLite file (WAL), with named
 * forward migrations. Imports nothing else of aish.
 */
export { AishStore, type CapabilityStats, type ImportOptions, type NewExchange, type NewSession } from './aish-store.js';
export { ExchangeLog, searchExpression, type CachedAnswer, type CacheStats, type CostRow, type ExchangeQuery, type ExchangeStatus, type LoggedExchange, type NewLoggedExchange } from './exchange-log.js';
export { closeAllDatabases } from './open-database.js';
export { SessionLeases } from './session-leases.js';
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.js';
export type { MessageRecord, SessionExport, SessionRecord, SessionSummary } from './records.js';
export { StoreError, type StoreErrorCode, type StoreErrorFields } from './store-error.js';
