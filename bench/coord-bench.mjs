// What a Redis rate-limit check adds to each request. The check is timed on its own, as the
// server makes it before routing a request (`rateLimits(N).take(client)`, awaited), on the
// Redis coordinator (a throwaway loopback redis-server) and on the in-memory buckets of one
// process, one after the other for every request, so a change in the machine's load falls on
// both alike; what Redis adds is its p50/p99 minus memory's. The same for a request to a
// streaming route, whose token and stream slot are one script (`takeWithSlot`, the slot given
// back after). The floor: a PING on the same connection, timed in the same rounds (what any
// round trip to Redis costs on this machine now, whatever the script). For context, whole requests (GET /api/capabilities, which does nothing but the
// server's gate and a small JSON answer) against `aish serve --rate-limit N` in memory and with
// `--redis`, alternating request by request: their p99 is mostly the machine's scheduling,
// which is why the goal is read from the check itself. Figures only. Goal: added p99 <= 1 ms.
// Needs the built bundles dist/coord/*.cjs (`npm run build`).
import { mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from './load.mjs';
import { findRedisServer, INSTALL_HINT, startRedis } from '../scripts/test-engines.mjs';
import { percentileOfSorted } from './stats.mjs';

const root = resolve(import.meta.dirname, '..');
const CHECKS = 5000;
const REQUESTS = 2000;
/** A limit no run reaches: every request is checked, none refused. */
const LIMIT = 100_000_000;

function benchEnv() {
  const home = mkdtempSync(join(tmpdir(), 'aish-coord-bench-'));
  return { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), AISH_DB: join(home, 'aish.db') };
}

/** How long `operation()` takes, in ms (awaited when it returns a promise). */
async function timeOf(operation) {
  const started = process.hrtime.bigint();
  await operation();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function timedRequest(url, agent) {
  const { hostname, port } = new URL(url);
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const req = request({ host: hostname, port, path: '/api/capabilities', agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolvePromise(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentileOfSorted(sorted, 50), p99: percentileOfSorted(sorted, 99) };
}

/** The check alone, in memory and on Redis, interleaved: { rate, stream } each { memory, shared }. */
async function checkFigures(redisUrl) {
  const require = createRequire(import.meta.url);
  const { InProcessCoordinator } = require(join(root, 'dist/coord/index.cjs'));
  const { connectRedisCoordinator } = require(join(root, 'dist/coord/redis-coordinator.cjs'));
  const memory = new InProcessCoordinator();
  const shared = await connectRedisCoordinator(redisUrl, { prefix: 'bench:' });
  const sides = [
    { name: 'memory', limits: memory.rateLimits(LIMIT), slots: memory.streamSlots(LIMIT) },
    { name: 'shared', limits: shared.rateLimits(LIMIT), slots: shared.streamSlots(LIMIT) },
  ];
  // A streaming request: the token and the slot in one step where the limits offer it (Redis), else one after the other (memory), as the server does.
  const streamAdmission = async ({ limits, slots }) => {
    if (limits.takeWithSlot) return (await limits.takeWithSlot('client', slots)).slot;
    return (await limits.take('client')).allowed ? await slots.acquire('client') : undefined;
  };
  const samples = { rate: { memory: [], shared: [] }, stream: { memory: [], shared: [] }, ping: [] };
  try {
    for (let i = 0; i < 500; i++) for (const side of sides) await side.limits.take('client'); // warm-up
    for (let i = 0; i < CHECKS; i++) {
      for (const side of sides) samples.rate[side.name].push(await timeOf(() => side.limits.take('client')));
      for (const side of sides) {
        let slot;
        samples.stream[side.name].push(await timeOf(async () => (slot = await streamAdmission(side))));
        slot?.release();
      }
      samples.ping.push(await timeOf(() => shared.health()));
    }
  } finally {
    await shared.close();
  }
  const pair = (figures) => ({ memory: percentiles(figures.memory), shared: percentiles(figures.shared) });
  return { rate: pair(samples.rate), stream: pair(samples.stream), ping: percentiles(samples.ping) };
}

/** Whole requests to `aish serve` in memory and with Redis, alternating: { memory, shared } p50/p99. */
async function requestFigures(redisUrl) {
  const limit = ['--rate-limit', String(LIMIT), '-q'];
  const servers = [await startServer(limit, benchEnv()), await startServer([...limit, '--redis', redisUrl], benchEnv())];
  const agents = servers.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  const samples = [[], []];
  try {
    for (let i = 0; i < 200; i++) for (const [index, server] of servers.entries()) await timedRequest(server.url, agents[index]); // warm-up
    for (let i = 0; i < REQUESTS; i++) for (const [index, server] of servers.entries()) samples[index].push(await timedRequest(server.url, agents[index]));
  } finally {
    for (const agent of agents) agent.destroy();
    for (const server of servers) server.child.kill('SIGTERM');
  }
  return { memory: percentiles(samples[0]), shared: percentiles(samples[1]) };
}

/** The figures (ms) of the check alone and of whole requests, in memory and with Redis; undefined without redis-server. */
export async function coordFigures() {
  if (!findRedisServer()) return undefined;
  const redis = await startRedis(mkdtempSync(join(tmpdir(), 'aish-coord-bench-redis-')));
  try {
    return { ...(await checkFigures(redis.url)), requests: await requestFigures(redis.url), checks: CHECKS, count: REQUESTS };
  } finally {
    redis.stop();
  }
}

const ms = (value) => `${value.toFixed(3)} ms`;
const added = ({ memory, shared }) => `added by Redis p50 ${ms(shared.p50 - memory.p50)}, p99 ${ms(shared.p99 - memory.p99)}`;
const both = ({ memory, shared }) => `in memory p50 ${ms(memory.p50)}, p99 ${ms(memory.p99)}; Redis p50 ${ms(shared.p50)}, p99 ${ms(shared.p99)}`;

/** The lines for bench/run.mjs. */
export function coordLine(figures) {
  if (!figures) return `rate-limit check per request: skipped, redis-server not found (${INSTALL_HINT.redis})`;
  const { rate, stream, ping, requests, checks, count } = figures;
  return [
    `rate-limit check per request (the check alone, ${checks} each, sequential, interleaved): ${both(rate)}; ${added(rate)} (goal <= 1 ms)`,
    `  streaming request's token + slot (one script on Redis): ${both(stream)}; ${added(stream)}`,
    `  a Redis round trip at all (PING on the same connection, the floor of any check): p50 ${ms(ping.p50)}, p99 ${ms(ping.p99)}`,
    `  whole requests for context (GET /api/capabilities, ${count} each, keep-alive, alternating): ${both(requests)}`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { loadavg } = await import('node:os');
  const figures = await coordFigures();
  console.log(coordLine(figures));
  console.log(`load average ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
}
