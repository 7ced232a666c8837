#!/usr/bin/env node
// Where a server's time goes under the 1,000-stream load, round by round: the user and system
// CPU seconds the server process spent (from /proc, so Linux only) while 1,000 streams of
// CHUNKS content events at 50/s ran against it, opened 100 at a time. `aish serve` by default;
// `--bare` runs bench/plain-sse-server.mjs instead. Each round runs against the same server, so
// the first shows a server that has just started and later ones a warmed-up one.
// `--node-options '...'` starts the server under those node flags, e.g. a CPU profile per run:
//   node bench/server-cpu.mjs --rounds 2 --node-options '--cpu-prof --cpu-prof-dir=/tmp/prof'
// With `--chunks 2` nearly all of the time is per request. Figures only; asserts nothing.
// Usage: node bench/server-cpu.mjs [--bare] [--rounds N] [--chunks N] [--node-options FLAGS]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Histogram, openStream, startServer } from './load.mjs';

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : process.argv[index + 1];
}

const BARE = process.argv.includes('--bare');
const ROUNDS = Number(option('rounds', 1));
const CHUNKS = Number(option('chunks', 150));
const STREAMS = 1000;
const NODE_OPTIONS = String(option('node-options', '')).split(' ').filter(Boolean);

/** The bare node:http SSE server, or `aish serve` on a temporary home; with the path and body a stream is asked for with. */
async function start() {
  if (BARE) {
    const child = spawn(process.execPath, [...NODE_OPTIONS, join(import.meta.dirname, 'plain-sse-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise((resolve) => child.stdout.once('data', (data) => resolve(/listening (\d+)/.exec(String(data))[1])));
    return { child, url: `http://127.0.0.1:${port}`, path: `/stream?words=${CHUNKS - 1}&tps=50`, body: '{}' };
  }
  const home = mkdtempSync(join(tmpdir(), 'aish-server-cpu-'));
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), AISH_DB: join(home, 'aish.db') };
  const server = await startServer(['--rate-limit', '0', '--max-streams', String(STREAMS + 100)], env, NODE_OPTIONS);
  return { child: server.child, url: server.url, path: '/api/v2/ai/apollo/stream', body: JSON.stringify({ content: 'w '.repeat(CHUNKS - 1), model: 'echo?tps=50' }) };
}

/** The process's user and system CPU seconds so far (fields 14 and 15 of /proc/PID/stat, in clock ticks of 1/100 s). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

const server = await start();
for (let round = 1; round <= ROUNDS; round++) {
  const before = cpuSeconds(server.child.pid);
  const started = performance.now();
  const gaps = new Histogram();
  const deadline = Date.now() + 120_000;
  const running = [];
  for (let i = 0; i < STREAMS; i += 100) {
    for (let j = i; j < i + 100; j++) running.push(openStream(server.url, server.body, gaps, deadline, server.path));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const streams = await Promise.all(running);
  const wall = (performance.now() - started) / 1000;
  const after = cpuSeconds(server.child.pid);
  console.log(
    `${BARE ? 'bare node:http' : 'aish serve'} round ${round} of ${ROUNDS}: ${streams.filter((stream) => stream.completed).length} of ${STREAMS} streams of ${CHUNKS} chunks completed in ${wall.toFixed(2)} s ` +
      `(${Math.round((STREAMS * CHUNKS) / wall).toLocaleString('en')} chunks/s); server CPU user ${(after.user - before.user).toFixed(2)} s, system ${(after.system - before.system).toFixed(2)} s`,
  );
  // A pause between rounds: a CPU profile shows each round apart.
  if (round < ROUNDS) await new Promise((resolve) => setTimeout(resolve, 1500));
}
server.child.kill('SIGTERM');
await new Promise((resolve) => server.child.once('exit', resolve));
