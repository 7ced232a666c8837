/**
 * The timeouts of one provider call, as `error` parts with code TIMEOUT. A
 * watchdog aborts the attempt's `AbortSignal` when it fires, which closes the
 * HTTP request; the adapter's stream then simply ends, and the wrapper asks
 * the watchdog which limit it was.
 */
import type { ModelErrorPart } from '../provider.js';

/** Which limit fired: no first part in time, too long a gap between parts, or the caller's deadline. */
export type TimeoutKind = 'first-token' | 'idle' | 'total';

/**
 * A timer that aborts `controller` when it fires, remembering why. While
 * paused (the caller is busy with a part: a slow pipe, a slow socket) time
 * does not count; `resume` restarts the limit with one clock read, not a new
 * timer, as it happens for every part of an answer.
 */
export class Watchdog {
  private timer: NodeJS.Timeout | undefined;
  private limitMs = 0;
  private kind: TimeoutKind | undefined;
  private since = 0;
  /** When the running timer fires (epoch ms). */
  private dueAt = 0;
  private paused = false;
  fired: TimeoutKind | undefined;

  constructor(protected readonly controller: AbortController) {}

  /**
   * (Re)starts the limit for `kind`; 0 means no limit. A running timer that
   * fires no later than the new limit is kept (it checks the clock and waits
   * out the rest), so going from the first-token limit to the idle one costs
   * no new timer when they are equal, as they are by default.
   */
  arm(ms: number, kind: TimeoutKind): void {
    if (ms <= 0 || this.fired) {
      this.disarm();
      return;
    }
    this.limitMs = ms;
    this.kind = kind;
    this.since = Date.now();
    if (this.timer && this.dueAt <= this.since + ms) return;
    clearTimeout(this.timer);
    this.schedule(ms);
  }

  /** Stops the clock until `resume`. */
  pause(): void {
    this.paused = true;
  }

  /** The running limit counts again, from now. */
  resume(): void {
    this.paused = false;
    this.since = Date.now();
    if (!this.timer && this.limitMs > 0 && !this.fired) this.schedule(this.limitMs);
  }

  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.limitMs = 0;
  }

  private schedule(delay: number): void {
    this.dueAt = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Paused: `resume` starts the clock again.
      if (this.paused) return;
      const quiet = Date.now() - this.since;
      if (quiet < this.limitMs) return this.schedule(this.limitMs - quiet);
      this.fired = this.kind;
      this.controller.abort();
    }, delay);
  }
}

/** Seconds for a message: `0.25`, `60`. */
export function seconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}

/**
 * The failure a timeout stands for. First-token and idle timeouts may be
 * retried (before any text went out); the caller's deadline may not.
 */
export function timeoutPart(kind: TimeoutKind, provider: string, ms: number): ModelErrorPart {
  switch (kind) {
    case 'first-token':
      return { type: 'error', code: 'TIMEOUT', message: `${provider} did not start answering within ${seconds(ms)} s (limits.first_token_timeout)`, retryable: true };
    case 'idle':
      return { type: 'error', code: 'TIMEOUT', message: `${provider} sent nothing for ${seconds(ms)} s mid-answer (limits.idle_timeout)`, retryable: true };
    case 'total':
      return { type: 'error', code: 'TIMEOUT', message: `timed out after ${seconds(ms)} s`, retryable: false };
  }
}
