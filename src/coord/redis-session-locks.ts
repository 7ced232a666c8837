/**
 * One answer at a time per session across replicas: a Redis lock per session
 * with a lease and a fencing token.
 *
 * - The lease (5 s by default) is renewed every third of it while the answer
 *   runs; a replica that is killed stops renewing, so its lock ends by itself
 *   within the lease and another replica takes the session.
 * - The fencing token is a number Redis hands out in increasing order with
 *   each lock. A holder that was paused past its lease (a long GC, a frozen
 *   VM) learns at its next renewal that its token no longer holds the lock:
 *   its turn's `lost` signal aborts the answer, and the exchange is not
 *   stored, so it cannot slip its answer in after the next holder's.
 * - Waiters are woken by a message on release (pub/sub), and look again at
 *   most every quarter second in case they missed it.
 * - Within one process, callers line up in a queue first, so only one of them
 *   at a time asks Redis.
 */
import { AishError, joinSignals, sleep } from '../protocol/index.js';
import { GIVE_LOCK, RENEW_LOCK, TAKE_LOCK, type LuaScript } from './redis-scripts.js';
import { InProcessSessionLocks, type ReleaseTurn, type SessionLocks } from './session-locks.js';

export interface RedisLockSettings {
  /** Runs one script atomically on Redis; rejects with `BACKEND_UNAVAILABLE` when Redis is away. */
  run(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown>;
  prefix: string;
  leaseMs: number;
  /** This process's name in lock values. */
  holder: string;
}

const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 250;

export class RedisSessionLocks implements SessionLocks {
  private readonly queue = new InProcessSessionLocks();
  private readonly wakers = new Map<string, Set<() => void>>();
  private readonly renewals = new Set<NodeJS.Timeout>();
  /** The pub/sub channel on which releases are announced (message: the session id). */
  readonly channel: string;

  constructor(private readonly settings: RedisLockSettings) {
    this.channel = `${settings.prefix}unlocked`;
  }

  get leaseMs(): number {
    return this.settings.leaseMs;
  }

  async acquire(sessionId: string, signal?: AbortSignal): Promise<ReleaseTurn> {
    const leaveQueue = await this.queue.acquire(sessionId, signal);
    let value: string;
    let fence: number;
    try {
      ({ value, fence } = await this.take(sessionId, signal));
    } catch (error) {
      leaveQueue();
      throw error;
    }
    const lost = new AbortController();
    const renewal = this.keepRenewed(sessionId, value, lost);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      clearInterval(renewal);
      this.renewals.delete(renewal);
      // Giving the lock back is a courtesy: if Redis is away, the lease ends by itself.
      void this.settings
        .run(GIVE_LOCK, [this.key(sessionId)], [value, this.channel, sessionId])
        .catch(() => {})
        .finally(leaveQueue);
    };
    return Object.assign(release, { lost: lost.signal, fence });
  }

  /** A release was announced: waiters for that session look again now. */
  released(sessionId: string): void {
    const wakers = this.wakers.get(sessionId);
    if (!wakers) return;
    for (const wake of wakers) wake();
  }

  close(): void {
    for (const renewal of this.renewals) clearInterval(renewal);
    this.renewals.clear();
  }

  private key(sessionId: string): string {
    return `${this.settings.prefix}lock:${sessionId}`;
  }

  private async take(sessionId: string, signal: AbortSignal | undefined): Promise<{ value: string; fence: number }> {
    let pause = FIRST_POLL_MS;
    for (;;) {
      signal?.throwIfAborted();
      const fence = Number(await this.settings.run(TAKE_LOCK, [this.key(sessionId), `${this.key(sessionId)}:fence`], [this.settings.holder, this.settings.leaseMs]));
      if (fence > 0) return { value: `${this.settings.holder}#${fence}`, fence };
      await this.waitForRelease(sessionId, pause, signal);
      pause = Math.min(MAX_POLL_MS, pause * 2);
    }
  }

  private async waitForRelease(sessionId: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
    const wakers = this.wakers.get(sessionId) ?? new Set<() => void>();
    this.wakers.set(sessionId, wakers);
    const woken = new AbortController();
    const wake = (): void => woken.abort();
    wakers.add(wake);
    const either = signal ? joinSignals([signal, woken.signal]) : undefined;
    try {
      // Resolves early on a release or an abort; the caller's loop sees the abort.
      await sleep(ms, either?.signal ?? woken.signal);
    } finally {
      either?.dispose();
      wakers.delete(wake);
      if (wakers.size === 0) this.wakers.delete(sessionId);
    }
  }

  /**
   * Renews the lease every third of it. When Redis says another holder has
   * the lock, or no renewal succeeded for a whole lease, the lock is lost:
   * `lost` aborts so the answer stops and stores nothing.
   */
  private keepRenewed(sessionId: string, value: string, lost: AbortController): NodeJS.Timeout {
    const { leaseMs } = this.settings;
    let renewedAt = Date.now();
    const loseIt = (why: string): void => {
      if (lost.signal.aborted) return;
      lost.abort(new AishError('BACKEND_UNAVAILABLE', `lost the lock of session ${sessionId} (${why}); the answer was stopped and not stored`, { backend: 'redis', session_id: sessionId }));
    };
    const renewal = setInterval(() => {
      this.settings.run(RENEW_LOCK, [this.key(sessionId)], [value, leaseMs]).then(
        (held) => {
          if (held === 1) renewedAt = Date.now();
          else loseIt('its lease ended and another answer took it');
        },
        () => {
          if (Date.now() - renewedAt >= leaseMs) loseIt('Redis could not renew its lease');
        },
      );
    }, Math.max(1, Math.floor(leaseMs / 3)));
    // A held lock must not keep a finished process alive.
    renewal.unref();
    this.renewals.add(renewal);
    return renewal;
  }
}
