#!/usr/bin/env node
// aish store benchmark: prints figures, asserts nothing. Needs the built bundle
// dist/store/index.cjs (`npm run build`). Run on its own with `node bench/store-bench.mjs`,
// or import `storeFigures()` from another bench script.
//   fill              10,000 sessions holding 100,000 messages, written in one transaction
//   session create    p50/p99 of 1,000 createSession calls (named sessions) on that database
//   message append    p50/p99 of 1,000 appendExchange calls on random sessions
//   context fetch     p50/p99 of 1,000 messages(id, 10) calls on random sessions
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededRandom, timeEachAsync } from './stats.mjs';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

const SESSIONS = 10_000;
const MESSAGES = 100_000;
const OPERATIONS = 1_000;
const GOAL_P99_MS = 1;
const SCALE = `${SESSIONS.toLocaleString('en-US')} sessions, ${MESSAGES.toLocaleString('en-US')} messages`;


/** Text of about the length of a short chat message. */
function sentence(n) {
  return `message ${n}: ` + 'the quick brown fox jumps over the lazy dog; '.repeat(3);
}

function exchange(n, now) {
  return {
    user: { content: sentence(n), timestamp: now, tokens: 30 },
    assistant: { content: sentence(n + 1), timestamp: now + 1, tokens: 40, specialist_id: 'apollo' },
    now: now + 1,
  };
}

/** Writes SESSIONS sessions of MESSAGES / SESSIONS messages each in one transaction; returns their ids. */
function fill(store) {
  const ids = Array.from({ length: SESSIONS }, (_, i) => `session-${i}`);
  const exchangesEach = MESSAGES / SESSIONS / 2;
  const now = Date.now();
  // The SQLite store's methods run synchronously underneath, so they fit in one transaction.
  store.connection.transaction(() => {
    ids.forEach((id, i) => {
      store.createSession({ id, name: `name-${i}`, specialist_id: 'apollo', context_window: 10, ttl_s: 3600, now });
      for (let n = 0; n < exchangesEach; n++) store.appendExchange(id, exchange(n, now + n));
    });
  })();
  return ids;
}


function line(what, { p50, p99 }) {
  return `store ${what} (${SCALE}): p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms (goal p99 <= ${GOAL_P99_MS} ms)`;
}

function loadStore() {
  const bundle = join(root, 'dist/store/index.cjs');
  try {
    return require(bundle);
  } catch (error) {
    if (error?.code === 'MODULE_NOT_FOUND' && String(error.message).includes(bundle)) {
      throw new Error(`${bundle} is missing: build it first (npm run build)`, { cause: error });
    }
    throw error;
  }
}

/** Runs the store benchmark on a temporary database and returns one printable line per figure. */
export async function storeFigures() {
  const { SqliteStore } = loadStore();
  const folder = mkdtempSync(join(tmpdir(), 'aish-store-bench-'));
  const store = SqliteStore.open(join(folder, 'aish.db'));
  try {
    const fillStarted = performance.now();
    const ids = fill(store);
    const fillMs = performance.now() - fillStarted;
    const random = seededRandom(42);
    const pick = () => ids[Math.floor(random() * ids.length)];
    const now = Date.now();
    const create = await timeEachAsync(OPERATIONS, (i) =>
      store.createSession({ id: `new-${i}`, name: `new-name-${i}`, specialist_id: 'athena', context_window: 10, ttl_s: 3600, now }),
    );
    const append = await timeEachAsync(OPERATIONS, (i) => store.appendExchange(pick(), exchange(i, now + i)));
    const fetch = await timeEachAsync(OPERATIONS, async () => {
      if ((await store.messages(pick(), 10)).length === 0) throw new Error('context fetch returned no messages');
    });
    return [
      `store fill (${SCALE}, one transaction): ${Math.round(fillMs)} ms`,
      line('session create', create),
      line('message append', append),
      line('context fetch', fetch),
    ];
  } finally {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  for (const figure of await storeFigures()) console.log(figure);
}
