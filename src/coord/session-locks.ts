/**
 * One answer at a time per session. The service asks a `SessionLocks` for a
 * session's turn before it reads the context and gives the turn back once the
 * exchange is stored, so no two answers in one session see a context without
 * the other's exchange.
 *
 * Two implementations: `InProcessSessionLocks` (a queue per session, for one
 * process) and `LeasedSessionLocks` (that queue, then a lease in a table every
 * process sharing the sessions can see: the aish database, or later Redis).
 * A lease that is not renewed ends by itself, so a process killed while it
 * holds one blocks the session at most for the lease.
 */
import { sleep } from '../protocol/index.js';

/**
 * Gives a held turn back; calling it again does nothing. A turn held through
 * a lease another process can take over (Redis) also carries `lost`, which
 * aborts when the lease was lost (the answer must then stop and store
 * nothing), and the lock's fencing token.
 */
export type ReleaseTurn = (() => void) & { readonly lost?: AbortSignal; readonly fence?: number };

export interface SessionLocks {
  /**
   * Waits for the session's turn (callers are served in the order they asked,
   * within a process) and resolves with its release. When `signal` aborts
   * first, rejects with the signal's reason and gives up its place in line.
   */
  acquire(sessionId: string, signal?: AbortSignal): Promise<ReleaseTurn>;
}

/** The turns of one process: each caller waits for the one before it in the same session. */
export class InProcessSessionLocks implements SessionLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async acquire(sessionId: string, signal?: AbortSignal): Promise<ReleaseTurn> {
    signal?.throwIfAborted();
    const previous = this.tails.get(sessionId) ?? Promise.resolve();
    let finish!: () => void;
    const mine = new Promise<void>((resolve) => (finish = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(sessionId, tail);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      finish();
      if (this.tails.get(sessionId) === tail) this.tails.delete(sessionId);
    };
    try {
      await untilAborted(previous, signal);
    } catch (error) {
      // Those queued behind this caller wait only for the ones before it.
      void previous.then(release);
      throw error;
    }
    return release;
  }
}

/**
 * The shared table of leases a `LeasedSessionLocks` works on, one row per
 * session: who holds it and until when (ms since the epoch). Each method is
 * one atomic step; it may answer at once (SQLite) or later (a network store).
 */
export interface LeaseTable {
  /** Takes the session's lease for `holder` until `until` when nobody holds it, it ended before `now`, or `holder` has it; whether it did. */
  tryTake(sessionId: string, holder: string, now: number, until: number): boolean | Promise<boolean>;
  /** Moves the end of `holder`'s lease to `until`; false when `holder` no longer has it. */
  extend(sessionId: string, holder: string, until: number): boolean | Promise<boolean>;
  /** Ends `holder`'s lease (nothing when another holder has it now). */
  give(sessionId: string, holder: string): void | Promise<void>;
}

/** How long a lease lasts unless renewed (ms): also the longest a killed holder can block its session. */
export const DEFAULT_LEASE_MS = 10_000;

export interface LeaseOptions {
  /** The lease length in ms; a live holder renews it every third of that. */
  leaseMs?: number;
  /** This process's name in the table; unique per process by default. */
  holder?: string;
  /** The wall clock shared by every process using the table. */
  now?: () => number;
}

/** Waiting for another process's lease: the first look comes soon, later ones every quarter second at most. */
const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 250;

/** Turns shared by every process using one `LeaseTable`. */
export class LeasedSessionLocks implements SessionLocks {
  private readonly queue = new InProcessSessionLocks();
  private readonly leaseMs: number;
  readonly holder: string;
  private readonly now: () => number;

  constructor(
    private readonly table: LeaseTable,
    options: LeaseOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.holder = options.holder ?? `${process.pid}:${globalThis.crypto.randomUUID()}`;
    this.now = options.now ?? Date.now;
  }

  async acquire(sessionId: string, signal?: AbortSignal): Promise<ReleaseTurn> {
    // Callers in this process line up here first, so only one of them at a time polls the table.
    const leaveQueue = await this.queue.acquire(sessionId, signal);
    try {
      await this.take(sessionId, signal);
    } catch (error) {
      leaveQueue();
      throw error;
    }
    const renewal = setInterval(() => void this.renew(sessionId), Math.max(1, Math.floor(this.leaseMs / 3)));
    // A held lease must not keep a finished process alive.
    renewal.unref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      clearInterval(renewal);
      // Giving the lease back is a courtesy: if it fails, the lease still ends by itself.
      void Promise.resolve()
        .then(() => this.table.give(sessionId, this.holder))
        .catch(() => {})
        .finally(leaveQueue);
    };
  }

  private async take(sessionId: string, signal: AbortSignal | undefined): Promise<void> {
    let pause = FIRST_POLL_MS;
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      if (await this.table.tryTake(sessionId, this.holder, now, now + this.leaseMs)) return;
      await sleep(pause, signal);
      pause = Math.min(MAX_POLL_MS, pause * 2);
    }
  }

  private async renew(sessionId: string): Promise<void> {
    try {
      await this.table.extend(sessionId, this.holder, this.now() + this.leaseMs);
    } catch {
      // A busy or vanished table: the next renewal tries again, well within the lease.
    }
  }
}

/** Resolves when `promise` does; rejects with the signal's reason if it aborts first. */
function untilAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, reject);
  });
}
