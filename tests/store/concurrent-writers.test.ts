/**
 * Several connections on one database. SQLite's store calls run synchronously
 * underneath, so real concurrency on one file needs threads: each worker thread
 * opens its own SqliteStore from a bundle of src/store built for the test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/index.js';
import { createSession, exchange, forEachBackend, openStore, rawConnection, STORE_BACKENDS, tempFolder } from './temp-store.js';

const sqlite = STORE_BACKENDS.find((backend) => backend.name === 'SQLite')!;

let bundleFolder: string;
let bundle: string;

beforeAll(async () => {
  bundleFolder = mkdtempSync(join(tmpdir(), 'aish-store-bundle-'));
  bundle = join(bundleFolder, 'store.cjs');
  const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');
  await build({
    entryPoints: [resolve(import.meta.dirname, '../../src/store/index.ts')],
    bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'silent',
    // The bundle lives in a temp folder: point it at this project's better-sqlite3.
    plugins: [{ name: 'project-better-sqlite3', setup: (esbuild) => esbuild.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: betterSqlite3, external: true })) }],
  });
});

afterAll(() => rmSync(bundleFolder, { recursive: true, force: true }));

/** Runs in each worker: waits at the gate, then opens the store and appends its exchanges. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { SqliteStore } = require(workerData.bundle);
const gate = new Int32Array(workerData.gate);
parentPort.postMessage({ ready: true });
Atomics.wait(gate, 0, 0);
(async () => {
  const store = SqliteStore.open(workerData.file);
  const counts = [];
  for (let n = 0; n < workerData.exchanges; n++) {
    const tag = workerData.name + '-' + n;
    counts.push((await store.appendExchange(workerData.session, {
      user: { content: 'q ' + tag, timestamp: n },
      assistant: { content: 'a ' + tag, timestamp: n, specialist_id: workerData.name },
      now: Date.now(),
    })).message_count);
  }
  await store.close();
  parentPort.postMessage({ counts });
})();
`;

/** Starts one worker per name, lets them all go at once, and returns what each reported. */
async function runWorkers(names: string[], data: { file: string; session: string; exchanges: number }): Promise<number[][]> {
  const gate = new SharedArrayBuffer(4);
  const ready: Promise<void>[] = [];
  const done = names.map((name) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { ...data, name, bundle, gate } });
    let resolveReady = (): void => {};
    const failed = new Promise<never>((_, reject) => {
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`worker ${name} exited with ${code} before reporting`)));
    });
    failed.catch(() => {});
    ready.push(Promise.race([new Promise<void>((settle) => (resolveReady = settle)), failed]));
    return Promise.race([
      new Promise<number[]>((resolveDone) =>
        worker.on('message', (message: { ready?: boolean; counts?: number[] }) => (message.ready ? resolveReady() : resolveDone(message.counts!))),
      ),
      failed,
    ]);
  });
  await Promise.all(ready);
  const flag = new Int32Array(gate);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  return Promise.all(done);
}

forEachBackend((backend) => {
  it('lets two stores on one database see each other’s exchanges and continue the sequence', async () => {
    const location = await backend.newLocation();
    const first = await openStore(backend, location);
    const second = await openStore(backend, location);
    const contents = async (messages: Promise<{ content: string }[]>) => (await messages).map((message) => message.content);
    await createSession(first, 's1');
    for (let n = 1; n <= 6; n++) expect(await (n % 2 ? first : second).appendExchange('s1', exchange(n))).toEqual({ message_count: 2 * n });
    expect(await contents(first.messages('s1'))).toEqual(await contents(second.messages('s1')));
    expect(await contents(second.messages('s1', 2))).toEqual(['q5', 'a5', 'q6', 'a6']);
  });
});

describe('several connections on one SQLite file', () => {
  it('keeps every exchange whole and in order when two threads append to one session at once', async () => {
    const file = join(tempFolder(), 'aish.db');
    const store = await openStore(sqlite, file);
    await createSession(store, 's1');
    const exchanges = 200;
    const [countsA, countsB] = await runWorkers(['A', 'B'], { file, session: 's1', exchanges });
    const messages = await store.messages('s1');
    expect(messages).toHaveLength(4 * exchanges);
    for (let i = 0; i < messages.length; i += 2) {
      const [user, assistant] = [messages[i]!, messages[i + 1]!];
      expect(user.role).toBe('user');
      expect(assistant.role).toBe('assistant');
      expect(assistant.content).toBe(user.content.replace(/^q /, 'a '));
    }
    for (const name of ['A', 'B']) {
      const own = messages.filter((message) => message.role === 'user' && message.content.startsWith(`q ${name}-`));
      expect(own.map((message) => message.content)).toEqual(Array.from({ length: exchanges }, (_, n) => `q ${name}-${n}`));
    }
    // Each append saw a distinct, growing count: no two transactions overlapped.
    const counts = [...countsA!, ...countsB!].sort((a, b) => a - b);
    expect(counts).toEqual(Array.from({ length: 2 * exchanges }, (_, i) => 2 * (i + 1)));
  });

  it('migrates a new file once when several threads open it at the same moment', async () => {
    const file = join(tempFolder(), 'new', 'aish.db');
    await expect(runWorkers(['A', 'B', 'C', 'D'], { file, session: 'none', exchanges: 0 })).resolves.toHaveLength(4);
    const db = rawConnection(file);
    expect(db.prepare('SELECT name FROM aish_migrations').pluck().all()).toEqual(MIGRATIONS.map((migration) => migration.name));
    db.close();
  });

  it('waits for another process’s write lock when a new file is switched to WAL, instead of failing', async () => {
    // SQLite answers the switch to WAL with SQLITE_BUSY at once, without the busy
    // timeout, while another connection holds a write lock: what two workers opening
    // a new database together met. A thread holds such a lock for 200 ms.
    const file = join(tempFolder(), 'aish.db');
    const holder = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const db = new (require(workerData.betterSqlite3))(workerData.file);
       db.exec('BEGIN IMMEDIATE');
       parentPort.postMessage('holding');
       setTimeout(() => { db.exec('COMMIT'); db.close(); parentPort.postMessage('released'); }, 200);`,
      { eval: true, workerData: { file, betterSqlite3: createRequire(import.meta.url).resolve('better-sqlite3') } },
    );
    const released = new Promise<void>((resolveReleased) => holder.on('message', (message: string) => message === 'released' && resolveReleased()));
    await new Promise<void>((resolveHolding) => holder.once('message', () => resolveHolding()));
    // Opening is synchronous: it returns only once the lock is gone (or throws SQLITE_BUSY).
    const store = await openStore(sqlite, file);
    await createSession(store, 's1');
    expect(await store.findSession('s1')).toMatchObject({ id: 's1' });
    await released;
    await holder.terminate();
  });
});
