#!/usr/bin/env node
// aish exchange-log benchmark: prints figures, asserts nothing. Needs the built bundle
// (`npm run build`). Run on its own with `node bench/history-bench.mjs`, or import
// `historyFigures()` from another bench script.
//   fill            100,000 exchanges of varied text (a Zipf-like vocabulary of real and
//                   made-up words, messages of 8-60 words, answers of 30-250), one transaction
//   search          p50/p99 of 600 `--search` queries through the store API (the 20 most
//                   recent matches, as `aish history` asks): one common word, a rare word,
//                   two words, a prefix, a rare word, words found nowhere, with --specialist
//   record          p50/p99 of 1,000 single-exchange writes on that log
//   aish history    a whole `aish history --search WORDS` process on that log (median of 7)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, seededRandom, timeEachAsync } from './stats.mjs';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

const EXCHANGES = 100_000;
const QUERIES = 600;
const WRITES = 1_000;
const GOAL_MS = 50;
const SCALE = `${EXCHANGES.toLocaleString('en-US')} exchanges`;
const SPECIALISTS = ['apollo', 'athena', 'prometheus', 'hermes', 'sophia', 'telos', 'metis', 'synthesis'];


const COMMON = `the a to of and in is it that for you this with on be are as can not or if your
at by an from should use code function error file test data we will when value return type
but have there which one all would more new function class method bug fix change add make
request response server client user session database query cache config build deploy log
string number list array object map key name path line call check case run time example`.split(/\s+/);

const TECHNICAL = `authentication authorization login logout token password hash salt encrypt decrypt
certificate handshake timeout retry backoff circuit breaker latency throughput benchmark
profiler memory leak garbage collector allocation pointer reference mutex deadlock race
condition thread async await promise callback stream buffer pipe socket websocket http
header cookie redirect proxy gateway router middleware handler controller service module
package dependency version semver migration schema index transaction rollback commit merge
rebase branch conflict review refactor rename extract inline interface generic template
parser lexer grammar syntax token tree visitor compiler interpreter bytecode optimizer
kubernetes container docker image volume cluster node pod replica scaling autoscaler metrics
dashboard alert incident postmortem runbook monitoring tracing span exporter collector
typescript javascript python rust golang java kotlin swift haskell elixir clojure scala
regex unicode utf8 encoding newline whitespace indentation formatter linter prettier eslint
unittest integration fixture mock stub snapshot coverage assertion flaky regression bisect`.split(/\s+/);

/** Made-up words for the long tail: every one is rare, many appear nowhere at all. */
function madeUpWords(random, count) {
  const syllables = ['ka', 'lo', 'mi', 'zu', 'pe', 'ra', 'ti', 'no', 'vex', 'dor', 'ul', 'syn', 'qua', 'bri', 'fen', 'gol'];
  return Array.from({ length: count }, () => {
    const length = 2 + Math.floor(random() * 3);
    return Array.from({ length }, () => syllables[Math.floor(random() * syllables.length)]).join('');
  });
}

/**
 * Picks words as text has them: the common and technical words with a
 * Zipf-like skew (a few very frequent), and one word in twenty from a long
 * tail of rare ones (each in a few dozen exchanges).
 */
function wordPicker(random, frequent, tail) {
  return () => {
    if (random() < 0.05) return tail[Math.floor(random() * tail.length)];
    return frequent[Math.min(frequent.length - 1, Math.floor(frequent.length * random() ** 3))];
  };
}

function text(random, pick, min, max) {
  const count = min + Math.floor(random() * (max - min));
  const words = Array.from({ length: count }, pick);
  // Sentences and lines, so the tokenizer sees punctuation and newlines as real logs have them.
  return words.map((word, index) => (index % 11 === 10 ? `${word}.\n` : index % 5 === 4 ? `${word},` : word)).join(' ');
}

function fill(log, store, random, pick) {
  const now = Date.now();
  // The SQLite store's methods run synchronously underneath, so they fit in one transaction.
  store.connection.transaction(() => {
    for (let n = 0; n < EXCHANGES; n++) {
      const specialist = SPECIALISTS[n % SPECIALISTS.length];
      const message = text(random, pick, 8, 60);
      log.record({
        started_at: now - (EXCHANGES - n) * 60_000,
        command_line: `cat notes.md | ${specialist} "${message.split(' ').slice(0, 4).join(' ')}"`,
        specialist,
        model: 'openai/gpt-4o-mini',
        message,
        answer: text(random, pick, 30, 250),
        tokens_in: 50,
        tokens_out: 200,
        duration_ms: 900,
        status: 'ok',
        error_code: null,
        session_id: null,
        cost_usd: 0.0001275,
      });
    }
  })();
}


/** The query mix: what people look for in their history, from very common words to absent ones. */
function queries(random, rare, absent) {
  const any = (list) => list[Math.floor(random() * list.length)];
  const kinds = [
    () => ({ search: any(COMMON.slice(0, 30)) }),
    () => ({ search: any(TECHNICAL) }),
    () => ({ search: `${any(TECHNICAL)} ${any(COMMON)}` }),
    () => ({ search: `${any(TECHNICAL)} ${any(TECHNICAL)}` }),
    () => ({ search: any(rare) }),
    () => ({ search: `${any(TECHNICAL).slice(0, 4)}*` }),
    () => ({ search: `${any(absent)} ${any(TECHNICAL)}` }),
    () => ({ search: `${any(rare)} ${any(COMMON)}` }),
    () => ({ search: any(TECHNICAL), specialist: any(SPECIALISTS) }),
  ];
  return Array.from({ length: QUERIES }, (_, i) => ({ ...kinds[i % kinds.length](), limit: 20 }));
}


/** A whole `aish history --search WORDS` process on the filled log, in ms (median of 7). */
function processRun(file, words) {
  const home = mkdtempSync(join(tmpdir(), 'aish-history-bench-home-'));
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), AISH_DB: file };
  const times = [];
  try {
    for (let run = 0; run < 8; run++) {
      const started = process.hrtime.bigint();
      const result = spawnSync(process.execPath, [join(root, 'bin/aish'), 'history', '--search', words], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (result.status !== 0 || result.stdout.length === 0) throw new Error(`aish history --search failed: ${result.stderr}`);
      if (run > 0) times.push(ms); // the first run warms the page cache
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return median(times);
}

/** Fills the log and measures it through the store API; the store is closed afterwards (its WAL checkpointed). */
async function storeFigures(file) {
  const { SqliteStore } = require(join(root, 'dist/store/index.cjs'));
  const store = SqliteStore.open(file);
  try {
    const random = seededRandom(7);
    const rare = madeUpWords(random, 40_000);
    // Made-up words of another shape (never written): searches that find nothing.
    const absent = madeUpWords(random, 100).map((word) => `${word}xq`);
    const log = store.exchanges;
    const fillStarted = performance.now();
    fill(log, store, random, wordPicker(random, [...COMMON, ...TECHNICAL], rare));
    const fillMs = performance.now() - fillStarted;
    const asked = queries(seededRandom(11), rare, absent);
    let matched = 0;
    const search = await timeEachAsync(asked.length, async (i) => (matched += (await log.find(asked[i])).length > 0 ? 1 : 0));
    const now = Date.now();
    const write = await timeEachAsync(WRITES, (i) =>
      log.record({
        started_at: now + i, command_line: 'apollo hi', specialist: 'apollo', model: 'echo', message: `hello ${i} authentication`, answer: '[apollo] hello',
        tokens_in: 3, tokens_out: 2, duration_ms: 1, status: 'ok', error_code: null, session_id: null, cost_usd: 0,
      }),
    );
    return { fillMs, search, matched, write };
  } finally {
    await store.close();
  }
}

/** Runs the exchange-log benchmark on a temporary database and returns one printable line per figure. */
export async function historyFigures() {
  const folder = mkdtempSync(join(tmpdir(), 'aish-history-bench-'));
  const file = join(folder, 'aish.db');
  try {
    const { fillMs, search, matched, write } = await storeFigures(file);
    const words = 'authentication timeout';
    const processMs = processRun(file, words);
    return [
      `history fill (${SCALE}, one transaction): ${Math.round(fillMs)} ms`,
      `history --search via the store (${SCALE}, ${QUERIES} queries, ${matched} with matches, 20 most recent): p50 ${search.p50.toFixed(2)} ms, p99 ${search.p99.toFixed(2)} ms, max ${search.max.toFixed(2)} ms (goal < ${GOAL_MS} ms)`,
      `history record one exchange (${SCALE}): p50 ${write.p50.toFixed(2)} ms, p99 ${write.p99.toFixed(2)} ms`,
      `aish history --search "${words}" (${SCALE}, whole process, median of 7): ${processMs.toFixed(1)} ms`,
    ];
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  for (const figure of await historyFigures()) console.log(figure);
}
