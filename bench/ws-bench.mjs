#!/usr/bin/env node
// aish WebSocket benchmarks: prints figures, asserts nothing. Needs the built bundle
// (`npm run build`). Run on its own with `node bench/ws-bench.mjs`, or import
// `webSocketFigures()` from another bench script (bench/run.mjs does).
// `node bench/ws-bench.mjs --latency` measures the chat round trip only (no 10,000 idle connections).
//   chat latency   round trip of a JSON-RPC `chat` (echo model) on one connection, sent at a
//                  steady 1,000 requests/s for 5 s (open loop: a slow answer does not delay the next
//                  send; a 1 ms timer sends what is due, so the client does not spin a core), against
//                  a bare `ws` server answering the same frames (what the machine and `ws` cost alone)
//   idle memory    resident memory of `aish serve` before and after 10,000 idle WebSockets are opened
//                  (from separate client processes, so neither side runs out of file descriptors)
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { percentileOfSorted } from './stats.mjs';

const root = resolve(import.meta.dirname, '..');
const RATE = 1000;
const SECONDS = 5;
const CONNECTIONS = 10_000;
const CLIENT_PROCESSES = 4;
const GOAL_P99_MS = 5;
const GOAL_KIB_PER_CONNECTION = 100;


/** A bare `ws` server that answers each request at once with a canned chat result: the floor. */
function startPlainServer() {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--plain-server'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return listening(child);
}

/** Child mode: the bare server. */
async function plainServer() {
  const { WebSocketServer } = await import('ws');
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false }, () => process.stderr.write(`listening 127.0.0.1:${server.address().port}\n`));
  server.on('connection', (socket) =>
    socket.on('message', (data) => {
      const request = JSON.parse(String(data));
      socket.send(JSON.stringify({ jsonrpc: '2.0', result: { content: `[apollo] ${request.params.message}`, specialist_id: 'apollo', model: 'echo' }, id: request.id }));
    }),
  );
}

/** Resolves with the child and the port it says it listens on (on stderr). */
function listening(child) {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      text += chunk;
      const found = /127\.0\.0\.1:(\d+)/.exec(text);
      if (found) resolve({ child, port: Number(found[1]) });
    });
    child.once('exit', () => reject(new Error(`server exited: ${text}`)));
  });
}

/** `aish serve --port 0` in a temporary home; resolves with the child and its port. */
function startServe() {
  const home = mkdtempSync(join(tmpdir(), 'aish-ws-bench-'));
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), AISH_DB: join(home, 'aish.db') };
  // No rate limit: the bench sends far more than a user would.
  const child = spawn(process.execPath, [join(root, 'bin/aish'), 'serve', '--port', '0', '--rate-limit', '0', '-q'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  return listening(child);
}

function open(url) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Paced `chat` requests on one connection; round-trip times in ms of those sent after the warm-up second. */
export async function chatLatency(port) {
  const socket = await open(`ws://127.0.0.1:${port}/ws/ai/apollo`);
  await warmUpServer(socket);
  const sentAt = new Map();
  const times = [];
  const warmUp = RATE; // the first paced second is not counted
  let answered = 0;
  const errors = new Map();
  socket.on('message', (data) => {
    const now = process.hrtime.bigint();
    const response = JSON.parse(String(data));
    const started = sentAt.get(response.id);
    sentAt.delete(response.id);
    answered++;
    if (response.id <= warmUp) return;
    if (response.error) errors.set(response.error.message, (errors.get(response.error.message) ?? 0) + 1);
    else times.push(Number(now - started) / 1e6);
  });
  const total = RATE * (SECONDS + 1);
  const begin = process.hrtime.bigint();
  let sent = 0;
  await new Promise((done) => {
    const tick = () => {
      const dueBy = Math.min(total, Math.floor((Number(process.hrtime.bigint() - begin) / 1e9) * RATE));
      while (sent < dueBy) {
        sent++;
        sentAt.set(sent, process.hrtime.bigint());
        socket.send(`{"jsonrpc":"2.0","method":"chat","params":{"message":"ping ${sent}"},"id":${sent}}`);
      }
      if (sent < total) setTimeout(tick, 1);
      else done();
    };
    tick();
  });
  const elapsed = Number(process.hrtime.bigint() - begin) / 1e9;
  while (answered < total) await new Promise((resolve) => setTimeout(resolve, 10));
  socket.close();
  times.sort((a, b) => a - b);
  return { requests: times.length, rate: total / elapsed, p50: percentileOfSorted(times, 50), p99: percentileOfSorted(times, 99), max: times.at(-1), errors: [...errors].map(([message, count]) => `${count} × ${message}`) };
}

/**
 * After 2,000 chats V8 was still optimizing functions of aish's answer path that run once per
 * call, and each compilation (on a background thread, competing for the two cores with the
 * client) stalled a few requests by 2–5 ms at the same point of every run.
 */
const WARM_UP_CHATS = 10_000;

/** WARM_UP_CHATS chats one after another, so the server's code is compiled before anything is measured (both servers alike). */
async function warmUpServer(socket) {
  for (let id = 1; id <= WARM_UP_CHATS; id++) {
    await new Promise((resolve) => {
      socket.once('message', resolve);
      socket.send(`{"jsonrpc":"2.0","method":"chat","params":{"message":"warm ${id}"},"id":${id}}`);
    });
  }
}

function rssKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]);
}

/** A client process holding `count` idle connections open; resolves once they are all open. */
function connectionHolder(url, count) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--hold', url, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      text += chunk;
      if (text.includes('open ')) resolve({ child, open: Number(/open (\d+)/.exec(text)[1]) });
    });
    child.once('exit', (code) => reject(new Error(`connection holder exited (${code}): ${text}`)));
  });
}

/** Child mode: open `count` WebSockets, 100 handshakes at a time, say how many are open, then hold them. */
async function hold(url, count) {
  const sockets = [];
  for (let index = 0; index < count; index += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, count - index) }, () => open(url)));
    sockets.push(...batch);
  }
  process.stdout.write(`open ${sockets.filter((socket) => socket.readyState === WebSocket.OPEN).length}\n`);
  setInterval(() => {}, 1 << 30);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** RSS of a separate `aish serve` before and after 10,000 idle WebSockets. */
async function idleMemory() {
  const server = await startServe();
  const holders = [];
  try {
    const url = `ws://127.0.0.1:${server.port}/ws/ai/apollo`;
    // Warm the server up (modules loaded, first connection made) before the baseline.
    const warm = await open(url);
    warm.close();
    await sleep(1000);
    const before = rssKiB(server.child.pid);
    for (let index = 0; index < CLIENT_PROCESSES; index++) holders.push(await connectionHolder(url, CONNECTIONS / CLIENT_PROCESSES));
    await sleep(2000);
    const after = rssKiB(server.child.pid);
    const opened = holders.reduce((sum, holder) => sum + holder.open, 0);
    return { open: opened, before, after, perConnection: (after - before) / opened };
  } finally {
    for (const holder of holders) holder.child.kill();
    server.child.kill('SIGTERM');
  }
}

/** The figures as printable lines. */
export async function webSocketFigures({ memory: withMemory = true } = {}) {
  const latencyOf = async (server) => {
    try {
      return await chatLatency(server.port);
    } finally {
      server.child.kill('SIGTERM');
    }
  };
  const latency = await latencyOf(await startServe());
  const plain = await latencyOf(await startPlainServer());
  const lines = [
    `WebSocket chat round trip at ${Math.round(latency.rate).toLocaleString('en')} requests/s for ${SECONDS} s (${latency.requests.toLocaleString('en')} measured, echo model, one connection): ` +
      `p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms, max ${latency.max.toFixed(2)} ms, errors: ${latency.errors.join('; ') || 'none'} (goal p99 <= ${GOAL_P99_MS} ms); ` +
      `bare ws server: p50 ${plain.p50.toFixed(2)} ms, p99 ${plain.p99.toFixed(2)} ms; p99 ratio ${(latency.p99 / plain.p99).toFixed(2)}x (goal <= 2x)`,
  ];
  if (!withMemory) return lines;
  const memory = await idleMemory();
  return [
    ...lines,
    `WebSocket idle connections: aish serve RSS ${(memory.before / 1024).toFixed(1)} MiB with none, ${(memory.after / 1024).toFixed(1)} MiB with ${memory.open.toLocaleString('en')} open: ` +
      `${memory.perConnection.toFixed(1)} KiB per connection (goal <= ${GOAL_KIB_PER_CONNECTION} KiB)`,
  ];
}

if (process.argv[2] === '--hold') {
  await hold(process.argv[3], Number(process.argv[4]));
} else if (process.argv[2] === '--plain-server') {
  await plainServer();
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const line of await webSocketFigures({ memory: !process.argv.includes('--latency') })) console.log(line);
}
