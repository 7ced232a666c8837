/** Session turns: in one process (a queue) and across connections to one database (leases in `session_locks`). */
import { describe, expect, it } from 'vitest';
import { InProcessSessionLocks, LeasedSessionLocks } from '../../src/coord/index.js';
import { forEachBackend, openStore } from '../store/temp-store.js';

/** Lets every pending promise callback and short timer run. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

describe('in-process session locks', () => {
  it('serves callers of one session one at a time, in the order they asked', async () => {
    const locks = new InProcessSessionLocks();
    const order: string[] = [];
    const first = await locks.acquire('s');
    const second = locks.acquire('s').then((release) => (order.push('second'), release));
    const third = locks.acquire('s').then((release) => (order.push('third'), release));
    await settle();
    expect(order).toEqual([]);
    first();
    (await second)();
    (await third)();
    expect(order).toEqual(['second', 'third']);
  });

  it('lets different sessions answer at once', async () => {
    const locks = new InProcessSessionLocks();
    await locks.acquire('a');
    const other = await locks.acquire('b');
    expect(typeof other).toBe('function');
  });

  it('a caller cancelled while waiting gives up its place, and the one behind it still gets its turn', async () => {
    const locks = new InProcessSessionLocks();
    const first = await locks.acquire('s');
    const controller = new AbortController();
    const cancelled = locks.acquire('s', controller.signal);
    const third = locks.acquire('s');
    controller.abort(new Error('stopped'));
    await expect(cancelled).rejects.toThrow('stopped');
    first();
    expect(typeof (await third)).toBe('function');
  });
});

forEachBackend((backend) => {
  /** The leases of a new connection (as another process would have) to the database at `location`. */
  const leases = async (location: string) => (await openStore(backend, location)).sessionLeases;
  const lockRow = async (location: string) => (await backend.query(location, "SELECT holder, expires_at FROM session_locks WHERE session_id = 's'"))[0];

  describe('leased session locks over the session database', () => {
    it('two connections (as two processes) take turns on one session', async () => {
      const location = await backend.newLocation();
      const one = new LeasedSessionLocks(await leases(location));
      const two = new LeasedSessionLocks(await leases(location));
      const release = await one.acquire('s');
      let secondGotIt = false;
      const second = two.acquire('s').then((done) => ((secondGotIt = true), done));
      await settle();
      expect(secondGotIt).toBe(false);
      release();
      (await second)();
      expect(secondGotIt).toBe(true);
    });

    it('a lease its holder stopped renewing is taken over once it ends', async () => {
      const location = await backend.newLocation();
      const gone = await leases(location);
      // A holder that took the lease and then vanished (never renews, never gives it back).
      expect(await gone.tryTake('s', 'killed-process', Date.now(), Date.now() + 300)).toBe(true);
      const next = new LeasedSessionLocks(await leases(location));
      const release = await next.acquire('s');
      expect((await lockRow(location))?.holder).toBe(next.holder);
      release();
    });

    it('a live holder renews its lease, so nobody takes it while its answer goes on', async () => {
      const location = await backend.newLocation();
      const holder = new LeasedSessionLocks(await leases(location), { leaseMs: 300 });
      const release = await holder.acquire('s');
      const expiry = async (): Promise<number> => Number((await lockRow(location))?.expires_at);
      const first = await expiry();
      while ((await expiry()) === first) await settle();
      expect(await expiry()).toBeGreaterThan(first);
      expect(await (await leases(location)).tryTake('s', 'someone-else', first, first + 300)).toBe(false);
      release();
      await settle();
      expect(await lockRow(location)).toBeUndefined();
    });

    it('a waiter cancelled while another connection holds the lease stops waiting and takes nothing', async () => {
      const location = await backend.newLocation();
      const one = new LeasedSessionLocks(await leases(location));
      const two = new LeasedSessionLocks(await leases(location));
      const release = await one.acquire('s');
      const controller = new AbortController();
      const waiting = two.acquire('s', controller.signal);
      await settle();
      controller.abort(new Error('Ctrl-C'));
      await expect(waiting).rejects.toThrow('Ctrl-C');
      release();
      (await two.acquire('s'))();
    });
  });
});
