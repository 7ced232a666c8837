/** Session turns: in one process (a queue) and across connections to one database (leases in `session_locks`). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { InProcessSessionLocks, LeasedSessionLocks } from '../../src/coord/index.js';
import { SqliteStore } from '../../src/store/index.js';

function databaseFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'aish-locks-')), 'aish.db');
}

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

describe('leased session locks over the session database', () => {
  it('two connections (as two processes) take turns on one session', async () => {
    const file = databaseFile();
    const one = new LeasedSessionLocks(SqliteStore.open(file).sessionLeases);
    const two = new LeasedSessionLocks(SqliteStore.open(file).sessionLeases);
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
    const file = databaseFile();
    const gone = SqliteStore.open(file).sessionLeases;
    // A holder that took the lease and then vanished (never renews, never gives it back).
    expect(await gone.tryTake('s', 'killed-process', Date.now(), Date.now() + 300)).toBe(true);
    const next = new LeasedSessionLocks(SqliteStore.open(file).sessionLeases);
    const release = await next.acquire('s');
    const row = new Database(file, { readonly: true }).prepare('SELECT holder FROM session_locks WHERE session_id = ?').get('s') as { holder: string };
    expect(row.holder).toBe(next.holder);
    release();
  });

  it('a live holder renews its lease, so nobody takes it while its answer goes on', async () => {
    const file = databaseFile();
    const holder = new LeasedSessionLocks(SqliteStore.open(file).sessionLeases, { leaseMs: 300 });
    const release = await holder.acquire('s');
    const reader = new Database(file, { readonly: true });
    const expiry = (): number => (reader.prepare('SELECT expires_at FROM session_locks WHERE session_id = ?').get('s') as { expires_at: number }).expires_at;
    const first = expiry();
    while (expiry() === first) await settle();
    expect(expiry()).toBeGreaterThan(first);
    expect(await SqliteStore.open(file).sessionLeases.tryTake('s', 'someone-else', first, first + 300)).toBe(false);
    release();
    await settle();
    expect(reader.prepare('SELECT count(*) FROM session_locks').pluck().get()).toBe(0);
  });

  it('a waiter cancelled while another connection holds the lease stops waiting and takes nothing', async () => {
    const file = databaseFile();
    const one = new LeasedSessionLocks(SqliteStore.open(file).sessionLeases);
    const two = new LeasedSessionLocks(SqliteStore.open(file).sessionLeases);
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
