/**
 * Requests per minute per client, as a token bucket: a client may burst up to
 * the whole minute's allowance, then gets one request per 60/N seconds.
 */
import type { StreamSlot, StreamSlotPool } from './stream-slots.js';

/** What one request learns from the limiter; the figures go into `X-RateLimit-*` headers. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Whole requests left right now. */
  remaining: number;
  /** Unix time in seconds when the bucket is full again. */
  resetAt: number;
  /** Whole seconds until the next request would be allowed (0 when allowed). */
  retryAfterS: number;
}

/**
 * A request-rate limit per client: `RateLimiter` in one process, or buckets
 * every replica shares (Redis). A shared one may fail (its backend is down):
 * it then rejects with `BACKEND_UNAVAILABLE`, and the request is refused.
 */
export interface RateLimits {
  readonly perMinute: number;
  /** Takes one request from `client`'s bucket if it has one. */
  take(client: string): RateDecision | Promise<RateDecision>;
  /**
   * What a request to a streaming route needs, in one step: one request from
   * `client`'s bucket and, only when that is allowed, one of its stream slots
   * in `slots` (a pool of the same coordinator). A shared backend does both
   * in one round trip instead of two; absent (in one process, where neither
   * waits), the caller takes them one after the other.
   */
  takeWithSlot?(client: string, slots: StreamSlotPool): Promise<StreamAdmission>;
}

/** A request's decision and, when it was allowed, its stream slot (undefined: the client already has the most streams open, or the request was refused). */
export interface StreamAdmission {
  decision: RateDecision;
  slot: StreamSlot | undefined;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Buckets are dropped once full again; past this many clients, full ones are swept. */
const SWEEP_AT = 10_000;

/** The buckets of one process (the default). */
export class RateLimiter implements RateLimits {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private sweepAt = SWEEP_AT;

  /** `perMinute` requests per client per minute (at least 1); `now` is for tests. */
  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = perMinute / 60_000;
  }

  /** Takes one request from `client`'s bucket if it has one. */
  take(client: string): RateDecision {
    const now = this.now();
    const bucket = this.refilled(client, now);
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    const missing = this.perMinute - bucket.tokens;
    return {
      allowed,
      limit: this.perMinute,
      remaining: Math.floor(bucket.tokens),
      resetAt: Math.ceil((now + missing / this.perMs) / 1000),
      retryAfterS: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)),
    };
  }

  /** How many clients are tracked (for tests: idle ones are forgotten). */
  get clients(): number {
    return this.buckets.size;
  }

  private refilled(client: string, now: number): Bucket {
    let bucket = this.buckets.get(client);
    if (!bucket) {
      if (this.buckets.size >= this.sweepAt) this.sweep(now);
      bucket = { tokens: this.perMinute, updatedMs: now };
      this.buckets.set(client, bucket);
      return bucket;
    }
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedMs) * this.perMs);
    bucket.updatedMs = now;
    return bucket;
  }

  /** A full bucket holds nothing a new one would not: forgetting it bounds memory under a flood of clients. */
  private sweep(now: number): void {
    for (const [client, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.updatedMs) * this.perMs >= this.perMinute) this.buckets.delete(client);
    }
    // When most clients are busy, sweeping again at once would only cost time.
    this.sweepAt = Math.max(SWEEP_AT, this.buckets.size * 2);
  }
}
