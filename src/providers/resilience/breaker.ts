/**
 * A circuit breaker for one specialist's model. Closed, it lets every call
 * through and counts consecutive failures; at the threshold it opens and
 * refuses calls for a cool-down; then it lets one probe call through
 * (half-open): a success closes it, a failure opens it again.
 *
 * Only failures that say the provider is unavailable count (the ones a retry
 * could fix: 429, 5xx, 529, connection errors, timeouts). A refused API key or
 * a bad request is the provider answering: it proves the provider is up, so
 * it counts as a success here, and its own error still reaches the user.
 */
import type { SpecialistStatus } from '../../protocol/index.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Consecutive failures that open the breaker (at least 1). */
  threshold: number;
  cooldownMs: number;
  /** Hears the status each change of state or failure count implies. */
  onStatus?: (status: SpecialistStatus) => void;
  /** The clock, for tests. */
  now?: () => number;
}

/** One call let through; exactly one of its methods should be called when the call ends. */
export interface BreakerPermit {
  /** The provider answered (including with an error that is not about availability). */
  success(): void;
  /** The provider was unavailable (after any retries). */
  failure(): void;
  /** The call ended without telling anything (cancelled). */
  release(): void;
}

export class CircuitBreaker {
  private stateNow: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private options: BreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** New limits from a changed configuration; the state is kept. */
  configure(threshold: number, cooldownMs: number): void {
    this.options = { ...this.options, threshold, cooldownMs };
  }

  get state(): BreakerState {
    this.settle();
    return this.stateNow;
  }

  /** Consecutive failures counted so far. */
  get failureCount(): number {
    return this.failures;
  }

  /** active: closed with no failure; degraded: closed with failures, or half-open; unavailable: open. */
  get status(): SpecialistStatus {
    const state = this.state;
    if (state === 'open') return 'unavailable';
    return state === 'half-open' || this.failures > 0 ? 'degraded' : 'active';
  }

  /** Milliseconds until an open breaker lets a probe through (0 when not open). */
  get retryInMs(): number {
    if (this.state !== 'open') return 0;
    return Math.max(0, this.openedAt + this.options.cooldownMs - this.now());
  }

  /** A permit for one call, or undefined while open (or while a half-open probe is running). */
  acquire(): BreakerPermit | undefined {
    const state = this.state;
    if (state === 'open') return undefined;
    if (state === 'half-open') {
      if (this.probing) return undefined;
      this.probing = true;
    }
    const probe = state === 'half-open';
    let ended = false;
    const end = (outcome: 'success' | 'failure' | 'release'): void => {
      if (ended) return;
      ended = true;
      if (probe) this.probing = false;
      if (outcome === 'success') this.succeed();
      else if (outcome === 'failure') this.fail(probe);
    };
    return { success: () => end('success'), failure: () => end('failure'), release: () => end('release') };
  }

  /** Stops the cool-down timer (the process may exit). */
  dispose(): void {
    clearTimeout(this.timer);
  }

  private succeed(): void {
    this.failures = 0;
    this.stateNow = 'closed';
    this.publish();
  }

  private fail(probe: boolean): void {
    this.failures++;
    if (probe || this.failures >= this.options.threshold) this.open();
    this.publish();
  }

  private open(): void {
    this.stateNow = 'open';
    this.openedAt = this.now();
    clearTimeout(this.timer);
    // The status turns `degraded` when the cool-down ends, without waiting for a call.
    this.timer = setTimeout(() => this.publish(), this.options.cooldownMs + 1);
    this.timer.unref();
  }

  /** An open breaker whose cool-down has passed is half-open. */
  private settle(): void {
    if (this.stateNow === 'open' && this.now() >= this.openedAt + this.options.cooldownMs) {
      this.stateNow = 'half-open';
      this.probing = false;
    }
  }

  private publish(): void {
    this.options.onStatus?.(this.status);
  }
}
