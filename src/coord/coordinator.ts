/**
 * What `aish serve` processes coordinate on, chosen at start-up: the
 * in-process coordinator (one process, the default) or the Redis one
 * (replicas and workers, `--redis URL`). The server and the service see only
 * this interface, never Redis.
 */
import type { RateLimits } from './rate-limit.js';
import { RateLimiter } from './rate-limit.js';
import type { SessionLocks } from './session-locks.js';
import type { StatusRelay } from './status-relay.js';
import type { StreamSlotPool } from './stream-slots.js';
import { StreamSlots } from './stream-slots.js';

/** Whether a backend answers: `ok`, or `down` (then calls that need it are refused with 503 `BACKEND_UNAVAILABLE`). */
export type BackendState = 'ok' | 'down';

export interface Coordinator {
  /** `memory` (one process) or `redis`. */
  readonly backend: 'memory' | 'redis';
  /** Requests per minute per client, `perMinute` of them (at least 1). */
  rateLimits(perMinute: number): RateLimits;
  /** At most `max` open streams per client (at least 1). */
  streamSlots(max: number): StreamSlotPool;
  /** One answer at a time per session across every process sharing this coordinator; undefined: the service's own (leases in the session database). */
  readonly sessionLocks: SessionLocks | undefined;
  /** Specialist statuses shared with the other replicas; undefined: this process alone. */
  readonly statusRelay: StatusRelay | undefined;
  /** Each shared backend this coordinator uses and whether it answers now (`{}` for none). */
  health(): Promise<Record<string, BackendState>>;
  /** Lets go of connections and timers. */
  close(): Promise<void>;
}

/** Today's behaviour: limits, slots and statuses in this process's memory. */
export class InProcessCoordinator implements Coordinator {
  readonly backend = 'memory' as const;
  readonly sessionLocks = undefined;
  readonly statusRelay = undefined;

  rateLimits(perMinute: number): RateLimits {
    return new RateLimiter(perMinute);
  }

  streamSlots(max: number): StreamSlotPool {
    return new StreamSlots(max);
  }

  async health(): Promise<Record<string, BackendState>> {
    return {};
  }

  async close(): Promise<void> {}
}
