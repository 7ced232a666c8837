/** The one backoff, Retry-After reading and abortable sleep that providers and clients share. */
import { describe, expect, it } from 'vitest';
import { backoffWithJitterMs, retryAfterMs, sleep } from '../../src/protocol/index.js';

describe('backoff with full jitter', () => {
  it('waits from 0 up to base × 2^(retry-1), capped', () => {
    expect(backoffWithJitterMs(1, 500, 30_000, () => 0)).toBe(0);
    expect(backoffWithJitterMs(1, 500, 30_000, () => 0.999)).toBe(499);
    expect(backoffWithJitterMs(3, 500, 30_000, () => 0.5)).toBe(1000);
    expect(backoffWithJitterMs(20, 500, 30_000, () => 0.999)).toBe(29_970);
    expect(backoffWithJitterMs(2, 250)).toBeLessThan(500);
  });
});

describe('Retry-After', () => {
  it('reads whole seconds and HTTP dates (from a reference clock), and nothing else', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs([' 2 '])).toBe(2000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs(new Date(1_000).toUTCString(), 4_000)).toBe(0);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

describe('sleep', () => {
  it('ends at once when its signal aborts, and at once for an aborted signal', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBeUndefined();
    await expect(sleep(60_000, AbortSignal.abort())).resolves.toBeUndefined();
    await expect(sleep(1)).resolves.toBeUndefined();
  });
});
