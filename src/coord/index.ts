/** Coordination between aish processes that share sessions: one answer at a time per session. */
export { DEFAULT_LEASE_MS, InProcessSessionLocks, LeasedSessionLocks, type LeaseOptions, type LeaseTable, type ReleaseTurn, type SessionLocks } from './session-locks.js';
