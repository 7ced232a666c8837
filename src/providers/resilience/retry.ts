/**
 * When a failed attempt is tried again, and after how long: exponential
 * backoff with full jitter (a random wait between 0 and base × 2^retry,
 * capped), at least as long as the provider's `Retry-After`, and never past
 * the caller's deadline.
 */
import { backoffWithJitterMs } from '../../protocol/index.js';
import type { ModelErrorPart } from '../provider.js';
import type { ResolvedLimits } from './limits.js';

/** What to do after a failed attempt. */
export type RetryDecision =
  | { retry: true; delayMs: number }
  /**
   * `not-retryable`: the failure says retrying cannot help (a bad key, a bad request);
   * `attempts`: max_attempts reached; `retry-after`: the provider asked for a wait
   * longer than retry_max_delay; `deadline`: waiting would outlast the caller's deadline.
   */
  | { retry: false; reason: 'not-retryable' | 'attempts' | 'retry-after' | 'deadline' };

/** The random wait before retry number `retry` (1 for the first): full jitter over base × 2^(retry-1), capped at retry_max_delay. */
export function backoffMs(retry: number, limits: ResolvedLimits, random: () => number = Math.random): number {
  return backoffWithJitterMs(retry, limits.retryBaseDelayMs, limits.retryMaxDelayMs, random);
}

/**
 * Decides about attempt number `attempt` (from 1), which failed with `failure`.
 * `remainingMs` is the time left before the caller's deadline (undefined: none).
 */
export function decideRetry(failure: ModelErrorPart, attempt: number, limits: ResolvedLimits, remainingMs: number | undefined, random: () => number = Math.random): RetryDecision {
  if (failure.retryable !== true) return { retry: false, reason: 'not-retryable' };
  if (attempt >= limits.maxAttempts) return { retry: false, reason: 'attempts' };
  const backoff = backoffMs(attempt, limits, random);
  if (failure.retryAfterSeconds !== undefined) {
    const asked = failure.retryAfterSeconds * 1000;
    if (remainingMs !== undefined && asked >= remainingMs) return { retry: false, reason: 'deadline' };
    if (asked > limits.retryMaxDelayMs) return { retry: false, reason: 'retry-after' };
    return { retry: true, delayMs: Math.max(asked, backoff) };
  }
  if (remainingMs !== undefined && backoff >= remainingMs) return { retry: false, reason: 'deadline' };
  return { retry: true, delayMs: backoff };
}

