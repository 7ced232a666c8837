/**
 * Coordination between aish processes: rate limits, stream slots, one answer
 * at a time per session, specialist statuses. In one process (the default) or
 * through Redis (`connectRedisCoordinator`, loaded only when asked for).
 */
export { DEFAULT_LEASE_MS, InProcessSessionLocks, LeasedSessionLocks, type LeaseOptions, type LeaseTable, type ReleaseTurn, type SessionLocks } from './session-locks.js';
export { InProcessCoordinator, type BackendState, type Coordinator } from './coordinator.js';
export { RateLimiter, type RateDecision, type RateLimits, type StreamAdmission } from './rate-limit.js';
export { StreamSlots, type StreamSlot, type StreamSlotPool } from './stream-slots.js';
export type { StatusChange, StatusListener, StatusRelay } from './status-relay.js';
