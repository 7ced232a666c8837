#!/usr/bin/env node
// The same SSE load against each target, back to back, with every figure also as a ratio
// to the first target (a bare node:http server: what the machine and node cost alone).
// Figures only; asserts nothing, exits 1 if a target failed to start. Run with `npm run load`.
//   load   STREAMS concurrent streams of CHUNKS content events at TPS each (1,000 × 150 at 50/s),
//          opened 100 at a time: streams completed, delivered chunks/s over the wall time,
//          added inter-chunk delay (p50/p99 over the 1000/TPS ms the model spaces its chunks),
//          server RSS when idle and its peak under the load.
//          For `aish serve --workers 2 --redis` the memory is the primary's and its workers' together,
//          and a throwaway redis-server (scripts/test-engines.mjs) is started for it and stopped after.
//   cpu    CPU seconds (user + system) each process used during the load: the load generator (this
//          process), the server (for workers: the primary and each worker) and redis-server, against
//          what the machine's cores could give over the wall time: when they are all taken, a server
//          cannot deliver more, however many workers it has.
//   rounds With --rounds N, the load runs N times against each target while it keeps running, each
//          round printed on its own (compared with the same round of the first target): the first
//          round meets a server that has just started, whose code V8 has not optimized yet; later
//          rounds show what a server that has been running costs.
// Usage: node bench/load-compare.mjs [--streams N] [--chunks N] [--tps N] [--only NAME] [--rounds N]
// A new target is one more entry of TARGETS: a name and a start() that resolves with
// { url, path, body, pid, stop }.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Histogram, openStream, rssMiB, startServer } from './load.mjs';
import { findRedisServer, INSTALL_HINT, startRedis } from '../scripts/test-engines.mjs';

const root = resolve(import.meta.dirname, '..');

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : process.argv[index + 1];
}

const STREAMS = Number(option('streams', 1000));
const CHUNKS = Number(option('chunks', 150));
const TPS = Number(option('tps', 50));
const CHUNK_MS = 1000 / TPS;
const ROUNDS = Number(option('rounds', 1));

/** A temporary home, so no target reads the developer's config or database. */
function benchEnv() {
  const home = mkdtempSync(join(tmpdir(), 'aish-load-compare-'));
  return { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), AISH_DB: join(home, 'aish.db') };
}

/** `aish serve` with `extra` flags, answering with the echo model at TPS; the content is CHUNKS - 1 words after `[apollo] `. */
async function aishTarget(extra) {
  const server = await startServer(['--rate-limit', '0', '--max-streams', String(STREAMS + 100), ...extra], benchEnv());
  return {
    url: server.url,
    path: '/api/v2/ai/apollo/stream',
    body: JSON.stringify({ content: 'w '.repeat(CHUNKS - 1), model: `echo?tps=${TPS}` }),
    pid: server.child.pid,
    stop: () => stopChild(server.child),
  };
}

/** `aish serve --workers N --redis` on a throwaway Redis, stopped with the server. */
async function workersTarget(workers) {
  const folder = mkdtempSync(join(tmpdir(), 'aish-load-redis-'));
  const redis = await startRedis(folder);
  try {
    const target = await aishTarget(['--workers', String(workers), '--redis', redis.url]);
    return { ...target, helpers: { 'redis-server': Number(readFileSync(join(folder, 'redis.pid'), 'utf8')) }, stop: () => target.stop().finally(() => redis.stop()) };
  } catch (error) {
    redis.stop();
    throw error;
  }
}

/** The pids of `pid` and every process under it (a cluster's workers). */
function processTree(pid) {
  const children = `/proc/${pid}/task/${pid}/children`;
  const below = existsSync(children) ? readFileSync(children, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : [];
  return [pid, ...below.flatMap(processTree)];
}

/** Resident memory of `pid` and its children, in MiB (one process: its own). */
function treeRssMiB(pid) {
  return processTree(pid).reduce((sum, each) => {
    try {
      return sum + rssMiB(each);
    } catch {
      return sum; // a process that ended between the listing and the read
    }
  }, 0);
}

/** CPU seconds (user + system) `pid` has used so far; 0 once it is gone. */
function cpuSeconds(pid) {
  try {
    // Fields 14 and 15 of /proc/PID/stat, counted after the command name (which may hold spaces).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Linux's USER_HZ: /proc counts CPU time in hundredths of a second. */
const CLOCK_TICKS = 100;

/** Each process of a target (its tree: a cluster's primary first, then its workers; and helpers such as redis-server) by name, with its CPU seconds so far. */
function cpuOf(target) {
  const [main, ...children] = processTree(target.pid);
  const named = [[children.length ? 'primary' : 'server', main], ...children.map((pid, index) => [`worker ${index + 1}`, pid]), ...Object.entries(target.helpers ?? {})];
  return new Map(named.map(([name, pid]) => [name, cpuSeconds(pid)]));
}

/** bench/plain-sse-server.mjs sending the same events at the same pace. */
async function bareTarget() {
  const child = spawn(process.execPath, [join(root, 'bench/plain-sse-server.mjs')], { env: benchEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolvePromise, reject) => {
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      text += chunk;
      const found = /listening (\d+)/.exec(text);
      if (found) resolvePromise(Number(found[1]));
    });
    child.once('exit', (code) => reject(new Error(`the bare server exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}`, path: `/stream?words=${CHUNKS - 1}&tps=${TPS}`, body: '{}', pid: child.pid, stop: () => stopChild(child) };
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.kill('SIGTERM');
  return new Promise((resolvePromise) => child.once('exit', resolvePromise));
}

/** The targets, in order; the first is the baseline every ratio is taken against. */
const TARGETS = [
  { name: 'bare node:http', start: bareTarget },
  { name: 'aish serve', start: () => aishTarget([]) },
  { name: 'aish serve --workers 2 --redis', start: () => workersTarget(2), needs: { what: 'redis-server', found: findRedisServer, install: INSTALL_HINT.redis } },
];

async function measure(target) {
  const gaps = new Histogram();
  const idle = treeRssMiB(target.pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, treeRssMiB(target.pid))), 250);
  const deadline = Date.now() + ((CHUNKS * CHUNK_MS) / 1000 + 60) * 1000;
  const started = performance.now();
  const cpuBefore = cpuOf(target);
  const generatorBefore = process.cpuUsage();
  const running = [];
  // Opened in steps of 100, so the listen backlog is never the bottleneck.
  for (let i = 0; i < STREAMS; i += 100) {
    for (let j = i; j < Math.min(STREAMS, i + 100); j++) running.push(openStream(target.url, target.body, gaps, deadline, target.path));
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  }
  const results = await Promise.all(running);
  const elapsed = (performance.now() - started) / 1000;
  const generator = process.cpuUsage(generatorBefore);
  const cpu = new Map([['load generator', (generator.user + generator.system) / 1e6]]);
  for (const [name, seconds] of cpuOf(target)) cpu.set(name, seconds - (cpuBefore.get(name) ?? 0));
  clearInterval(sampler);
  const delivered = results.reduce((sum, state) => sum + state.contents, 0);
  const added = (p) => Math.max(0, gaps.percentile(p) - CHUNK_MS);
  return {
    completed: results.filter((state) => state.completed).length,
    errors: [...new Set(results.map((state) => state.error).filter(Boolean))],
    elapsed,
    rate: delivered / elapsed,
    p50: added(50),
    p99: added(99),
    idle,
    peak,
    cpu,
  };
}

/** `cpu: load generator 3.1 s, server 5.2 s, … = 8.3 s of 2 cores × 6.0 s wall (69%)`. */
function cpuLine(figure) {
  const cores = availableParallelism();
  const total = [...figure.cpu.values()].reduce((sum, seconds) => sum + seconds, 0);
  const each = [...figure.cpu].map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`).join(', ');
  return `cpu: ${each} = ${total.toFixed(1)} s of ${cores} cores × ${figure.elapsed.toFixed(1)} s wall (${Math.round((100 * total) / (cores * figure.elapsed))}%)`;
}

const ratio = (value, base) => (base > 0 ? `${(value / base).toFixed(2)}x` : '–');

async function main() {
  const only = option('only', undefined);
  const targets = TARGETS.filter((target, index) => index === 0 || only === undefined || target.name === only);
  const [one, five, fifteen] = loadavg();
  console.log(`load compare: ${STREAMS} streams × ${CHUNKS} chunks at ${TPS}/s (a chunk every ${CHUNK_MS} ms) against each target in turn; load average ${one.toFixed(2)} ${five.toFixed(2)} ${fifteen.toFixed(2)}`);
  const figures = [];
  for (const target of targets) {
    if (target.needs && !target.needs.found()) {
      console.log(`  ${target.name}: skipped, ${target.needs.what} not found (${target.needs.install})`);
      continue;
    }
    const running = await target.start();
    try {
      for (let round = 1; round <= ROUNDS; round++) figures.push({ name: target.name, round, ...(await measure(running)) });
    } finally {
      await running.stop();
    }
  }
  for (const figure of figures) {
    const base = figures.find((first) => first.name === figures[0].name && first.round === figure.round);
    const vs = figure.name === base.name ? '' : `; vs ${base.name}: rate ${ratio(figure.rate, base.rate)} (goal >= 0.9x), added p99 ${(figure.p99 - base.p99).toFixed(1)} ms more (goal <= 10 ms), peak RSS ${ratio(figure.peak, base.peak)}`;
    const round = ROUNDS > 1 ? ` (round ${figure.round} of ${ROUNDS})` : '';
    console.log(
      `  ${figure.name}${round}: completed ${figure.completed} / ${STREAMS}${figure.errors.length ? ` (errors: ${figure.errors.slice(0, 3).join(', ')})` : ''}, ` +
        `wall ${figure.elapsed.toFixed(1)} s, delivered ${Math.round(figure.rate).toLocaleString('en')} chunks/s of ${(STREAMS * TPS).toLocaleString('en')} needed (${ratio(figure.rate, STREAMS * TPS)}), ` +
        `added inter-chunk p50 ${figure.p50.toFixed(1)} ms, p99 ${figure.p99.toFixed(1)} ms, RSS idle ${figure.idle.toFixed(0)} MiB, peak ${figure.peak.toFixed(0)} MiB${vs}`,
    );
    console.log(`    ${cpuLine(figure)}`);
  }
  const [after1] = loadavg();
  console.log(`  load average after: ${after1.toFixed(2)}`);
}

await main();
