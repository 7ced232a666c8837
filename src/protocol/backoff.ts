/**
 * Waiting before trying again, shared by the providers' retry layer and the
 * remote client (HTTP retries, WebSocket reconnection): exponential backoff
 * with full jitter, a `Retry-After` header read in milliseconds, and a sleep
 * that an `AbortSignal` cuts short. A leaf: it imports nothing.
 */

/**
 * The random wait before retry number `retry` (1 for the first): full jitter,
 * anywhere from 0 to base × 2^(retry-1), capped at `maxMs`, so many clients
 * cut off at once do not come back at once.
 */
export function backoffWithJitterMs(retry: number, baseMs: number, maxMs = Infinity, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * `Retry-After` (whole seconds or an HTTP date) in ms; undefined when absent
 * or unreadable. A date counts from `reference`: now, or better the date the
 * server sent with it (its clock, not ours).
 */
export function retryAfterMs(header: string | string[] | undefined, reference: number = Date.now()): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - reference);
}

/** Waits `ms`, or less when `signal` aborts first; it resolves either way, so callers check the signal. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
