// Records, the cache (docs/records-budgets-cache.md): prints figures, asserts nothing.
// Needs the built bundles (`npm run build`).
//   --each fan-out   10,000 records through `echo?ttft_ms=50` at -j 64, as a ratio to the
//                    ideal 64 ÷ 0.05 s = 1,280 records/s (every exchange logged, as by default)
//   --each volume    1,000,000 short lines through the echo model: records/s and the peak RSS
//                    of the aish process (VmHWM), with --no-log (the log's writes are in the first figure)
//   cache            what a cache hit adds over a real call to the echo model, per call (p50), and
//                    the key lookup's p99 with 100,000 logged exchanges
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, percentileOfSorted } from './stats.mjs';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const AISH = join(root, 'bin/aish');

function home() {
  const folder = mkdtempSync(join(tmpdir(), 'aish-records-bench-'));
  mkdirSync(join(folder, '.config'), { recursive: true });
  return folder;
}

function env(folder) {
  return { PATH: process.env.PATH, HOME: folder, XDG_CONFIG_HOME: join(folder, '.config'), XDG_DATA_HOME: join(folder, 'data'), AISH_DB: join(folder, 'aish.db'), LANG: 'C.UTF-8' };
}

/** Runs aish with `lines` fed on stdin (generated, so a million lines never sit in memory); resolves with time, output size and peak RSS. */
function runEach(args, count, line) {
  const folder = home();
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(AISH, args, { env: env(folder), stdio: ['pipe', 'pipe', 'inherit'] });
    let peakKiB = 0;
    const watch = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        peakKiB = Math.max(peakKiB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      } catch {}
    }, 100);
    let outLines = 0;
    child.stdout.on('data', (chunk) => {
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) outLines++;
    });
    let sent = 0;
    const feed = () => {
      while (sent < count) {
        const block = [];
        for (let i = 0; i < 1000 && sent < count; i++, sent++) block.push(line(sent));
        if (!child.stdin.write(block.join('\n') + '\n')) return child.stdin.once('drain', feed);
      }
      child.stdin.end();
    };
    child.stdin.on('error', () => {});
    feed();
    child.on('error', fail);
    child.on('close', (status) => {
      clearInterval(watch);
      done({ status, seconds: (performance.now() - started) / 1000, outLines, peakMiB: peakKiB / 1024 });
    });
  });
}

export async function fanOut() {
  const result = await runEach(['-q', '-c', "apollo --model 'echo?ttft_ms=50' --each -j 64"], 10_000, (i) => `record ${i}`);
  const perSecond = result.outLines / result.seconds;
  return `--each over 10,000 records, echo?ttft_ms=50, -j 64: ${Math.round(perSecond).toLocaleString('en')} records/s in ${result.seconds.toFixed(1)} s, ${(perSecond / 1280).toFixed(2)}x the ideal 1,280/s (goal >= 0.9x; status ${result.status})`;
}

export async function volume() {
  const result = await runEach(['-q', '--no-log', '-c', 'apollo --each -j 64'], 1_000_000, (i) => `l${i}`);
  return `--each over 1,000,000 short lines, echo, -j 64, --no-log: ${Math.round(result.outLines / result.seconds).toLocaleString('en')} records/s (${result.seconds.toFixed(0)} s), peak RSS ${result.peakMiB.toFixed(0)} MiB (goal < 150 MiB; status ${result.status})`;
}

export async function cacheFigures() {
  const { SpecialistService, cacheKey } = require(join(root, 'dist/service/index.cjs'));
  const { SqliteExchangeLog } = require(join(root, 'dist/store/index.cjs'));
  const folder = home();
  const database = join(folder, 'aish.db');
  // 100,000 logged exchanges, each with its key.
  const log = SqliteExchangeLog.open(database);
  const keys = [];
  const insert = () => {
    for (let i = 0; i < 100_000; i++) {
      const key = cacheKey('echo', { system: 'bench', messages: [{ role: 'user', content: `message ${i}` }], caller: 'apollo' });
      keys.push(key);
      log.record({ started_at: Date.now(), command_line: 'bench', specialist: 'apollo', model: 'echo', message: `message ${i}`, answer: `[apollo] message ${i}`, tokens_in: 3, tokens_out: 3, duration_ms: 1, status: 'ok', error_code: null, session_id: null, cost_usd: 0, cache_key: key });
    }
  };
  insert();
  const lookups = [];
  for (let i = 0; i < 5_000; i++) {
    const key = keys[(i * 7919) % keys.length];
    const started = process.hrtime.bigint();
    await log.cached(key, 0);
    lookups.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  lookups.sort((a, b) => a - b);
  await log.close();
  // A real echo call against the same call answered from the cache, through the service.
  const roster = [{ id: 'apollo', name: 'Apollo', aliases: [], description: '', system: 'bench', model: 'echo', capabilities: { primary: [], scores: {} }, fallback: [] }];
  const real = new SpecialistService({ roster, defaultModel: 'echo', database, cache: { enabled: false, ttlSeconds: 0, record: false } });
  const cached = new SpecialistService({ roster, defaultModel: 'echo', database, cache: { enabled: true, ttlSeconds: 0, record: false } });
  const call = async (service, i) => {
    const started = process.hrtime.bigint();
    for await (const _event of service.stream('apollo', { content: `message ${i}` })) {
      // drained
    }
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  for (let i = 0; i < 200; i++) {
    await call(real, i);
    await call(cached, i);
  }
  const realTimes = [];
  const hitTimes = [];
  for (let i = 0; i < 2_000; i++) {
    realTimes.push(await call(real, i * 13));
    hitTimes.push(await call(cached, i * 13));
  }
  await real.close();
  await cached.close();
  const added = median(hitTimes) - median(realTimes);
  return [
    `cache hit vs a real echo call (service, in-process): p50 ${median(hitTimes).toFixed(3)} ms vs ${median(realTimes).toFixed(3)} ms, added ${added.toFixed(3)} ms per call (goal < 1 ms)`,
    `cache lookup with 100,000 logged exchanges: p50 ${percentileOfSorted(lookups, 50).toFixed(3)} ms, p99 ${percentileOfSorted(lookups, 99).toFixed(3)} ms (goal p99 < 2 ms)`,
  ];
}

export async function recordsFigures() {
  return [await fanOut(), await volume(), ...(await cacheFigures())];
}

if (import.meta.url === `file://${process.argv[1]}`) for (const figure of await recordsFigures()) console.log(figure);
