// What a Redis rate-limit check adds to each request: the same requests (GET /api/capabilities,
// which does nothing but the server's gate and a small JSON answer) against `aish serve
// --rate-limit N` with its buckets in memory and with `--redis` (one Lua script per request on
// a throwaway loopback redis-server), taken in alternating rounds so a change in the machine's
// load falls on both alike. Figures only. Goal: added p99 <= 1 ms.
import { mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './load.mjs';
import { findRedisServer, INSTALL_HINT, startRedis } from '../scripts/test-engines.mjs';
import { percentileOfSorted } from './stats.mjs';

const ROUNDS = 20;
const PER_ROUND = 100;

function benchEnv() {
  const home = mkdtempSync(join(tmpdir(), 'aish-coord-bench-'));
  return { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), AISH_DB: join(home, 'aish.db') };
}

function timed(url, agent) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request({ host: hostname, port, path: '/api/capabilities', agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** p50 and p99 request latency (ms) in memory and with Redis, and what Redis adds; undefined without redis-server. */
export async function coordFigures() {
  if (!findRedisServer()) return undefined;
  const redis = await startRedis(mkdtempSync(join(tmpdir(), 'aish-coord-bench-redis-')));
  // A limit no run reaches: every request is checked, none refused.
  const limit = ['--rate-limit', '100000000', '-q'];
  const memory = await startServer(limit, benchEnv());
  const shared = await startServer([...limit, '--redis', redis.url], benchEnv());
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples = { memory: [], shared: [] };
  try {
    for (const target of [memory, shared]) for (let i = 0; i < 200; i++) await timed(target.url, agent); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < PER_ROUND; i++) samples.memory.push(await timed(memory.url, agent));
      for (let i = 0; i < PER_ROUND; i++) samples.shared.push(await timed(shared.url, agent));
    }
  } finally {
    agent.destroy();
    memory.child.kill('SIGTERM');
    shared.child.kill('SIGTERM');
    redis.stop();
  }
  const figures = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { p50: percentileOfSorted(sorted, 50), p99: percentileOfSorted(sorted, 99) };
  };
  return { memory: figures(samples.memory), shared: figures(samples.shared), count: ROUNDS * PER_ROUND };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { loadavg } = await import('node:os');
  const figures = await coordFigures();
  console.log(coordLine(figures));
  console.log(`load average ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
}

/** One line for bench/run.mjs. */
export function coordLine(figures) {
  if (!figures) return `rate-limit check per request: skipped, redis-server not found (${INSTALL_HINT.redis})`;
  const { memory, shared, count } = figures;
  return (
    `rate-limit check per request (${count} requests each, sequential, keep-alive): in memory p50 ${memory.p50.toFixed(3)} ms, p99 ${memory.p99.toFixed(3)} ms; ` +
    `Redis p50 ${shared.p50.toFixed(3)} ms, p99 ${shared.p99.toFixed(3)} ms; added by Redis p50 ${(shared.p50 - memory.p50).toFixed(3)} ms, p99 ${(shared.p99 - memory.p99).toFixed(3)} ms (goal <= 1 ms)`
  );
}
