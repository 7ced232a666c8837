/** The specialist service (embedded default and the server's core). */
export { adjustedScore, MEASURED_AFTER, SpecialistService, type ServiceOptions, type DiscoveryFilter } from './service.js';
export { StatusBoard, type StatusChange, type StatusListener } from './status-board.js';
// Bulk runs (bulk.ts) are the server's: it imports them from there, so a CLI start, which loads
// this index, does not load them.
export type { BulkEvent, BulkGraph } from './bulk.js';
export { cacheKey, DEFAULT_CACHE_TTL_S, type CacheSettings } from './cache.js';
export { hashNatively } from './sha256.js';
export { clientScope, ClientBudgets, runAsClient } from './client-budget.js';
export { ToolBox, DEFAULT_MAX_TOOL_ROUNDS, DEFAULT_TOOL_TIMEOUT_S, TOOL_RESULT_LIMIT, type ToolHost, type ToolLimits, type ToolConfirm } from './tool-loop.js';
