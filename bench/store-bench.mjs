#!/usr/bin/env node
// aish store benchmark: prints figures, asserts nothing. Needs the built bundle
// dist/store/index.cjs (`npm run build`). Run on its own with `node bench/store-bench.mjs`,
// or import `storeFigures()` from another bench script.
//   fill              10,000 sessions holding 100,000 messages, written in one transaction
//   session create    p50/p99 of 1,000 createSession calls (named sessions) on that database
//   message append    p50/p99 of 1,000 appendExchange calls on random sessions
//   context fetch     p50/p99 of 1,000 messages(id, 10) calls on random sessions
//   PostgreSQL        the same append and fetch on a throwaway PostgreSQL on loopback (default
//                     durability settings: fsync on), filled with the same 100,000 messages;
//                     skipped in one line when PostgreSQL is not installed
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findPostgresBin, INSTALL_HINT, startPostgres } from '../scripts/test-engines.mjs';
import { seededRandom, timeEachAsync } from './stats.mjs';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

const SESSIONS = 10_000;
const MESSAGES = 100_000;
const OPERATIONS = 1_000;
const GOAL_P99_MS = 1;
const POSTGRES_GOAL_P99_MS = 5;
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


function line(what, { p50, p99 }, goal = GOAL_P99_MS) {
  return `store ${what} (${SCALE}): p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms (goal p99 <= ${goal} ms)`;
}

/** Appends and context fetches on random sessions of `ids`, one at a time. */
async function appendAndFetch(store, ids) {
  const random = seededRandom(42);
  const pick = () => ids[Math.floor(random() * ids.length)];
  const now = Date.now();
  const append = await timeEachAsync(OPERATIONS, (i) => store.appendExchange(pick(), exchange(i, now + i)));
  const fetch = await timeEachAsync(OPERATIONS, async () => {
    if ((await store.messages(pick(), 10)).length === 0) throw new Error('context fetch returned no messages');
  });
  return { append, fetch };
}

/**
 * The same sessions and messages in PostgreSQL, written by the database itself (one
 * statement each, the texts as `sentence` makes them); returns the session ids.
 */
async function fillPostgres(url) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const exchangesEach = MESSAGES / SESSIONS / 2;
  const text = ` the quick brown fox jumps over the lazy dog; `.repeat(3);
  try {
    await client.query(
      `INSERT INTO sessions (id, name, specialist_id, context_window, ttl_s, metadata, created_at, last_activity, expires_at, last_seq)
       SELECT 'session-' || i, 'name-' || i, 'apollo', 10, 3600, '{}', $1::bigint, $1::bigint, $1::bigint + 3600000, $3 FROM generate_series(0, $2 - 1) AS i`,
      [Date.now(), SESSIONS, exchangesEach * 2],
    );
    await client.query(
      `INSERT INTO messages (session_id, seq, role, content, timestamp, tokens_input, tokens_output, specialist_id)
       SELECT 'session-' || s, n, CASE WHEN n % 2 = 1 THEN 'user' ELSE 'assistant' END, 'message ' || n || ':' || $3, $1::bigint + n,
              CASE WHEN n % 2 = 1 THEN 30 END, CASE WHEN n % 2 = 0 THEN 40 END, CASE WHEN n % 2 = 0 THEN 'apollo' END
         FROM generate_series(0, $2 - 1) AS s, generate_series(1, $4) AS n`,
      [Date.now(), SESSIONS, text, exchangesEach * 2],
    );
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
  return Array.from({ length: SESSIONS }, (_, i) => `session-${i}`);
}

/** Append and context fetch p50/p99 on PostgreSQL at SCALE, or one line saying why they were skipped. */
export async function postgresStoreFigures() {
  if (!findPostgresBin()) return [`store on PostgreSQL: skipped, PostgreSQL not found (${INSTALL_HINT.postgres})`];
  const { openStore } = loadStore();
  const engine = await startPostgres(mkdtempSync(join(tmpdir(), 'aish-pg-bench-')), { durable: true });
  try {
    const store = await openStore(engine.url);
    try {
      const fillStarted = performance.now();
      const ids = await fillPostgres(engine.url);
      const fillMs = performance.now() - fillStarted;
      const { append, fetch } = await appendAndFetch(store, ids);
      return [
        `store on PostgreSQL, loopback, fsync on: fill (${SCALE}, two INSERT … SELECT statements): ${Math.round(fillMs)} ms`,
        line('on PostgreSQL: message append', append, POSTGRES_GOAL_P99_MS),
        line('on PostgreSQL: context fetch', fetch, POSTGRES_GOAL_P99_MS),
      ];
    } finally {
      await store.close();
    }
  } finally {
    engine.stop();
  }
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
    const now = Date.now();
    const create = await timeEachAsync(OPERATIONS, (i) =>
      store.createSession({ id: `new-${i}`, name: `new-name-${i}`, specialist_id: 'athena', context_window: 10, ttl_s: 3600, now }),
    );
    const { append, fetch } = await appendAndFetch(store, ids);
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
  for (const figure of [...(await storeFigures()), ...(await postgresStoreFigures())]) console.log(figure);
}
