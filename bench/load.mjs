#!/usr/bin/env node
// aish serve under load, then under bad input. Prints figures; exits 1 if the server
// crashed, answered a 5xx to bad input or wrote anything unexpected on stderr.
// Loopback only; bounded in count and time (about 80 s); stops by itself.
//   load   STREAMS concurrent SSE streams from the echo model at tps=50 for ~60 s:
//          streams completed / started, added inter-chunk delay (p50/p99/max over the
//          20 ms the echo model spaces its chunks), server RSS before, during, at the end.
//   fuzz   a seeded bad-input fuzz of every endpoint (malformed JSON, wrong types, huge
//          numbers, unicode, path traversal in ids, bad methods, huge headers): a table
//          of status codes; no 5xx, the server still answers /health, stderr clean.
// Usage: node bench/load.mjs [--streams N] [--seconds S] [--fuzz N] [--seed N] [--heap-mb N]
//   --heap-mb caps the server's V8 old space: RSS growth with and without it tells a leak
//   (it would crash or keep growing) from a heap V8 lets grow while the CPU is busy.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededRandom } from './stats.mjs';

const root = resolve(import.meta.dirname, '..');

// ---------------------------------------------------------------- fuzz cases


const WEIRD_VALUES = [
  null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', ' ', '\u0000', '\ud800', '🦄'.repeat(50), '\u202eevil', 'ﷺ',
  'x'.repeat(20_000), '../../etc/passwd', '%00', '{op1}', '{{a}}', 'NaN', [], [1, 'two', null], {}, { a: { b: { c: [] } } }, 'hello',
];
const WEIRD_IDS = [
  'apollo', 'athena', 'nope', '..', '..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e', '%00', '%ZZ', '%C3%28', '%FF', '%ED%A0%80', 'a'.repeat(3000),
  encodeURIComponent('🦄'), encodeURIComponent('名前'), 'fuzz', '%20', 'x%2Fy',
];
// Model references that are wrong in every way, but never a real provider (offline bench).
const WEIRD_MODELS = ['echo?tps=abc', 'echo?tps=0', 'echo?tps=-1', 'echo?ttft_ms=abc', 'echo?ttft_ms=-5', 'nope/model', 'x', '/', 'echo?', 'echo?tps=1e-300'];
// Raw JSON texts that JSON.stringify would never write.
const RAW_BODIES = [
  '', ' ', 'null', '"text"', '[]', '{', '{"content":', '{"content": 1e999}', '{"content":"a","content":2}', '99999999999999999999999',
  '\ufeff{"content":"bom"}', '{"__proto__":{"polluted":true},"content":"x"}', '{"constructor":{"prototype":{"x":1}},"content":"x"}',
  '['.repeat(50_000), '{"a":'.repeat(10_000), '{"content":"\\ud800"}', '{"content":"\\u0000"}', 'undefined', 'NaN', "{'content':'single'}",
];

/** Percent-encodes any value; a lone surrogate becomes U+FFFD (raw bad UTF-8 is in WEIRD_IDS). */
const encode = (value) => encodeURIComponent(String(value).toWellFormed());
const pick = (next, list) => list[Math.floor(next() * list.length)];
const maybe = (next, value, p = 0.5) => (next() < p ? value() : undefined);

function weirdObject(next, fields) {
  const body = {};
  for (const [name, good] of Object.entries(fields)) {
    const roll = next();
    if (roll < 0.35) body[name] = good;
    else if (roll < 0.8) body[name] = pick(next, WEIRD_VALUES);
  }
  return body;
}

const MESSAGE_FIELDS = (next) => ({ content: 'hi there', temperature: 0.5, max_tokens: 20, model: pick(next, WEIRD_MODELS), session_id: 'fuzz', capability: 'planning' });

/** Every endpoint, each with a way to make a body for it. */
const ENDPOINTS = [
  { method: 'GET', path: () => '/health' },
  { method: 'GET', path: () => '/api/capabilities' },
  { method: 'GET', path: (next) => `/api/v2/discovery/ais?capability=${encode(pick(next, WEIRD_VALUES))}&min_score=${pick(next, ['0.5', 'abc', '-1', '1e999', '', '2'])}&status=${pick(next, ['active', 'x', ''])}` },
  { method: 'GET', path: (next) => `/api/v2/discovery/best?capability=${pick(next, ['planning', '', '%ZZ', 'x'.repeat(5000)])}&threshold=${pick(next, ['0.7', 'abc', '-1', '1e999', ''])}` },
  { method: 'POST', path: (next) => `/api/v2/ai/${pick(next, WEIRD_IDS)}/message`, body: (next) => weirdObject(next, MESSAGE_FIELDS(next)) },
  { method: 'POST', path: (next) => `/api/v1/ai/${pick(next, WEIRD_IDS)}/message`, body: (next) => weirdObject(next, MESSAGE_FIELDS(next)) },
  { method: 'POST', path: (next) => `/api/v2/ai/${pick(next, WEIRD_IDS)}/stream`, body: (next) => weirdObject(next, MESSAGE_FIELDS(next)) },
  { method: 'GET', path: (next) => `/api/v2/ai/${pick(next, WEIRD_IDS)}/stream?content=${encode(pick(next, WEIRD_VALUES))}&temperature=${pick(next, ['0.2', 'hot', '1e999'])}&model=${encodeURIComponent(pick(next, WEIRD_MODELS))}` },
  { method: 'POST', path: () => '/api/v2/sessions', body: (next) => weirdObject(next, { specialist_id: 'apollo', context_window: 5, ttl_s: 60, name: `n${Math.floor(next() * 1e9)}`, metadata: { a: 1 } }) },
  { method: 'GET', path: () => '/api/v2/sessions' },
  { method: 'POST', path: (next) => `/api/v2/sessions/import${pick(next, ['', '?force=true', '?force=maybe'])}`, body: (next) => weirdObject(next, { id: `imp${Math.floor(next() * 1e9)}`, specialist_id: 'apollo', messages: [{ role: 'user', content: 'x', timestamp: '2024-01-01T00:00:00Z' }], created_at: '2024-01-01T00:00:00Z' }) },
  { method: 'GET', path: (next) => `/api/v2/sessions/${pick(next, WEIRD_IDS)}` },
  { method: 'DELETE', path: (next) => `/api/v2/sessions/${pick(next, WEIRD_IDS.filter((id) => id !== 'fuzz'))}` },
  { method: 'POST', path: (next) => `/api/v2/sessions/${pick(next, WEIRD_IDS)}/message`, body: (next) => weirdObject(next, { message: 'hello', stream: next() < 0.5, context_window: 2, temperature: 0.1, model: pick(next, WEIRD_MODELS), specialist_id: 'athena' }) },
  {
    method: 'POST',
    path: () => '/api/v2/bulk',
    body: (next) =>
      weirdObject(next, {
        operations: Array.from({ length: Math.floor(next() * 4) }, (_, i) => weirdObject(next, { id: `op${i}`, ai: pick(next, ['apollo', '@planning', 'nope']), message: `do {op${i ? i - 1 : 9}}`, depends_on: i ? [`op${i - 1}`] : [] })),
        execution: pick(next, ['parallel', 'sequential', 'sideways']),
        timeout: pick(next, [1, 60, 0, -1, 1e308]),
        max_parallel: pick(next, [1, 20, 0, 1e9]),
        stream: next() < 0.5,
      }),
  },
  { method: 'GET', path: (next) => `/ws/ai/${pick(next, WEIRD_IDS)}` },
  { method: 'GET', path: () => '/v1/models' },
  {
    method: 'POST',
    path: () => '/v1/chat/completions',
    body: (next) =>
      weirdObject(next, {
        model: pick(next, ['apollo', 'nope', '', 'x'.repeat(300)]),
        messages: [weirdObject(next, { role: pick(next, ['user', 'system', 'assistant', 'tool', 'x']), content: pick(next, ['hi', [{ type: 'text', text: 'hi' }], 5]) })],
        stream: next() < 0.5,
        stream_options: { include_usage: next() < 0.5 },
        temperature: 0.3,
        max_tokens: 5,
      }),
  },
];

const BAD_METHODS = ['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'POST', 'GET', 'PROPFIND'];
const BAD_PATHS = ['/', '/api', '/api/v2', '/api/v2/ai', '/api/v2/ai//message', '/%2e%2e/%2e%2e/etc/passwd', '/../../etc/passwd', '/api/v2/ai/apollo/message/extra', '//api/v2/sessions', '/%ZZ', '/' + 'a'.repeat(8000)];

/**
 * `count` request cases from `seed`: each is `{ method, path, headers, body }`
 * (body a string or Buffer) or `{ raw }`, bytes sent as is on a socket.
 */
export function fuzzCases(seed, count) {
  const next = seededRandom(seed);
  const cases = [];
  for (let i = 0; i < count; i++) {
    const roll = next();
    if (roll < 0.55) cases.push(endpointCase(next));
    else if (roll < 0.7) cases.push(rawJsonCase(next));
    else if (roll < 0.8) cases.push({ method: pick(next, BAD_METHODS), path: pick(next, [...BAD_PATHS, ...ENDPOINTS.map((endpoint) => endpoint.path(next))]), headers: {} });
    else if (roll < 0.88) cases.push(headerCase(next));
    else cases.push(rawCase(next));
  }
  return cases;
}

function endpointCase(next) {
  const endpoint = pick(next, ENDPOINTS);
  const body = endpoint.body ? JSON.stringify(endpoint.body(next)) : undefined;
  return { method: endpoint.method, path: endpoint.path(next), headers: body ? { 'content-type': 'application/json' } : {}, body };
}

function rawJsonCase(next) {
  const endpoint = pick(next, ENDPOINTS.filter((candidate) => candidate.body));
  const body = next() < 0.2 ? Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x7b, 0x22]) : pick(next, RAW_BODIES);
  return { method: endpoint.method, path: endpoint.path(next), headers: { 'content-type': pick(next, ['application/json', 'text/plain', 'application/x-www-form-urlencoded']) }, body };
}

function headerCase(next) {
  const kind = pick(next, ['huge', 'many', 'auth', 'charset']);
  const headers = {};
  if (kind === 'huge') headers['x-huge'] = 'h'.repeat(20_000 + Math.floor(next() * 50_000));
  if (kind === 'many') for (let i = 0; i < 500; i++) headers[`x-many-${i}`] = 'v'.repeat(20);
  if (kind === 'auth') headers.authorization = pick(next, ['Bearer', 'Bearer ' + 'x'.repeat(10_000), 'Basic abc', 'Bearer \u00ff\u00fe', 'Bearer a b c']);
  if (kind === 'charset') headers['content-type'] = 'application/json; charset=ebcdic';
  return { method: 'GET', path: '/api/v2/discovery/ais', headers };
}

function rawCase(next) {
  const host = 'Host: localhost\r\nConnection: close\r\n';
  return {
    raw: pick(next, [
      `POST /api/v2/ai/apollo/message HTTP/1.1\r\n${host}Content-Length: abc\r\n\r\n{}`,
      `POST /api/v2/ai/apollo/message HTTP/1.1\r\n${host}Content-Length: 5\r\nContent-Length: 9\r\n\r\n{}`,
      `POST /api/v2/ai/apollo/message HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      `POST /api/v2/ai/apollo/message HTTP/1.1\r\n${host}Content-Length: -1\r\n\r\n`,
      `GET /health HTTP/9.9\r\n${host}\r\n`,
      `GET /api/v2/sessions HTTP/1.1\r\n${host}Bad Header Line\r\n\r\n`,
      `GET /api/v2/sessions\r\n\r\n`,
      `\u0000\u0001\u0002garbage\r\n\r\n`,
      `FOO /api/v2/sessions HTTP/1.1\r\n${host}\r\n`,
      `GET /api/v2/discovery/ais?capability=%ZZ HTTP/1.1\r\n${host}\r\n`,
      `GET /api/v2/ai/apollo/stream?content=%F0%9F HTTP/1.1\r\n${host}\r\n`,
      `POST /api/v2/bulk HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{`,
    ]),
  };
}

/** Sends one case; resolves with its status code, `closed` (no answer) or `timeout`. */
export function sendCase(url, fuzzCase, timeoutMs = 15_000) {
  const { hostname, port } = new URL(url);
  if (fuzzCase.raw !== undefined) {
    return new Promise((done) => {
      const socket = connect({ host: hostname, port: Number(port) });
      let text = '';
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      function finish(outcome) {
        clearTimeout(timer);
        socket.destroy();
        done(outcome);
      }
      socket.on('error', () => {});
      socket.setEncoding('latin1').on('data', (chunk) => (text += chunk));
      socket.on('close', () => finish(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 'closed'));
      socket.write(fuzzCase.raw, 'latin1');
    });
  }
  return new Promise((done) => {
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    let settled = false;
    function finish(outcome) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      done(outcome);
    }
    let req;
    try {
      req = request({ host: hostname, port: Number(port), method: fuzzCase.method, path: fuzzCase.path, headers: fuzzCase.headers, agent: false }, (res) => {
        res.on('data', () => {});
        res.on('end', () => finish(String(res.statusCode)));
        res.on('error', () => finish(String(res.statusCode)));
      });
    } catch (error) {
      // Node's own client refuses some cases (a header with bytes it cannot send): not a server outcome.
      clearTimeout(timer);
      done(`client-refused:${error.code ?? error.name}`);
      return;
    }
    req.on('error', () => finish('closed'));
    req.end(fuzzCase.body);
  });
}

/** Sends every case, `concurrency` at a time; resolves with `{ table, samples }` (status → count, a case per status). */
export async function runFuzz(url, cases, concurrency = 8) {
  const table = {};
  const samples = {};
  let index = 0;
  async function worker() {
    while (index < cases.length) {
      const fuzzCase = cases[index++];
      const outcome = await sendCase(url, fuzzCase);
      table[outcome] = (table[outcome] ?? 0) + 1;
      samples[outcome] ??= fuzzCase.raw !== undefined ? `raw ${JSON.stringify(fuzzCase.raw.slice(0, 80))}` : `${fuzzCase.method} ${fuzzCase.path.slice(0, 100)} ${String(fuzzCase.body ?? '').slice(0, 100)}`;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { table, samples };
}

/** Outcomes that mean the server misbehaved: a 5xx, or a request it never answered. */
export function badOutcomes(table) {
  return Object.keys(table).filter((outcome) => /^5\d\d$/.test(outcome) || outcome === 'timeout');
}

// ---------------------------------------------------------------- the server process

export function startServer(args, env, nodeOptions = []) {
  const child = spawn(process.execPath, [...nodeOptions, join(root, 'bin/aish'), 'serve', '--port', '0', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`aish serve did not start: ${stderr}`)), 20_000);
    const poll = setInterval(() => {
      const found = /on (http:\/\/\S+)/.exec(stderr);
      if (!found) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolvePromise({ child, url: found[1], stderr: () => stderr });
    }, 20);
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`aish serve exited (${code}): ${stderr}`));
    });
  });
}

export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

/** Lines aish serve may write: where it listens, access lines, shutting down. */
function unexpectedStderr(text) {
  return text.split('\n').filter((line) => line !== '' && !/^aish: serving /.test(line) && !/^aish: \S+Z \S+ \S+ \d{3} \d+ms client=\S+( \(client left\))?$/.test(line) && line !== 'aish: shutting down');
}

// ---------------------------------------------------------------- load

const CHUNK_MS = 20; // the echo model at tps=50

/** A histogram of gaps in 0.1 ms steps up to 5 s: millions of gaps, a few KB. */
export class Histogram {
  constructor() {
    this.bins = new Uint32Array(50_001);
    this.count = 0;
    this.max = 0;
  }
  add(ms) {
    this.bins[Math.min(50_000, Math.max(0, Math.round(ms * 10)))]++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }
  percentile(p) {
    const target = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.bins.length; i++) {
      seen += this.bins[i];
      if (seen >= target) return i / 10;
    }
    return this.max;
  }
}

/** One SSE stream: counts events and records the gap between content events. */
export function openStream(url, body, gaps, deadline, path = '/api/v2/ai/apollo/stream') {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const state = { started: false, completed: false, contents: 0, error: undefined };
    let last = 0;
    let carry = '';
    const req = request({ host: hostname, port: Number(port), method: 'POST', path, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      if (res.statusCode !== 200) state.error = `status ${res.statusCode}`;
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const now = performance.now();
        const text = carry + chunk;
        let at = text.indexOf('\n\n');
        let from = 0;
        while (at !== -1) {
          const event = text.slice(from, at);
          if (event.startsWith('id: ')) {
            state.started = true;
            if (state.contents > 0) gaps.add(now - last);
            last = now;
            state.contents++;
          } else if (event.startsWith('event: done')) {
            state.completed = true;
          }
          from = at + 2;
          at = text.indexOf('\n\n', from);
        }
        carry = text.slice(from);
      });
      res.on('end', () => finish());
      res.on('error', (error) => finish(error));
    });
    const timer = setTimeout(() => finish(new Error('deadline')), Math.max(0, deadline - Date.now()));
    function finish(error) {
      clearTimeout(timer);
      if (error && !state.error) state.error = error.message;
      req.destroy();
      done(state);
    }
    req.on('error', (error) => finish(error));
    req.end(body);
  });
}

async function load(url, pid, streams, seconds) {
  const words = Math.round((seconds * 1000) / CHUNK_MS);
  const body = JSON.stringify({ content: 'w '.repeat(words), model: 'echo?tps=50' });
  const gaps = new Histogram();
  const rss = { idle: rssMiB(pid) };
  const deadline = Date.now() + (seconds + 45) * 1000;
  const started = performance.now();
  const running = [];
  // Opened in steps of 100, so the listen backlog is never the bottleneck.
  for (let i = 0; i < streams; i += 100) {
    for (let j = i; j < Math.min(streams, i + 100); j++) running.push(openStream(url, body, gaps, deadline));
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  }
  await new Promise((resolvePromise) => setTimeout(resolvePromise, 5000));
  rss.loaded = rssMiB(pid);
  const sampler = setInterval(() => (rss.end = rssMiB(pid)), 1000);
  const results = await Promise.all(running);
  clearInterval(sampler);
  rss.after = rssMiB(pid);
  const elapsed = (performance.now() - started) / 1000;
  return { results, gaps, rss, elapsed, words };
}

// ---------------------------------------------------------------- main

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

async function main() {
  const streams = option('streams', 1000);
  const seconds = option('seconds', 60);
  const fuzzCount = option('fuzz', 3000);
  const seed = option('seed', 20240607);
  const heapMb = option('heap-mb', 0);
  const home = mkdtempSync(join(tmpdir(), 'aish-load-'));
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), AISH_DB: join(home, 'aish.db') };
  const server = await startServer(['--rate-limit', '0', '--max-streams', String(streams + 100)], env, heapMb ? [`--max-old-space-size=${heapMb}`] : []);
  const failures = [];
  // A session named `fuzz`, so session cases also reach a real one.
  await fetch(`${server.url}/api/v2/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"specialist_id":"apollo","name":"fuzz"}' });
  try {
    if (streams > 0) await loadFigures(server, streams, seconds, failures);
    console.log(`fuzz: ${fuzzCount} bad-input cases, seed ${seed} …`);
    const fuzz = await runFuzz(server.url, fuzzCases(seed, fuzzCount));
    console.log('  outcome   count  example');
    for (const [outcome, count] of Object.entries(fuzz.table).sort()) console.log(`  ${outcome.padEnd(9)} ${String(count).padStart(5)}  ${fuzz.samples[outcome]}`);
    const bad = badOutcomes(fuzz.table);
    if (bad.length) failures.push(`fuzz outcomes that mean a server fault: ${bad.join(', ')}`);
    const health = await fetch(`${server.url}/health`).then((reply) => reply.status, (error) => error.message);
    console.log(`  /health after the fuzz: ${health}`);
    if (health !== 200) failures.push(`the server does not answer /health after the fuzz (${health})`);
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((resolvePromise) => (server.child.exitCode !== null ? resolvePromise() : server.child.once('exit', resolvePromise)));
  }
  const unexpected = unexpectedStderr(server.stderr());
  console.log(`server stderr: ${unexpected.length === 0 ? 'clean (only the listening line, access lines, shutting down)' : `${unexpected.length} unexpected lines, first: ${unexpected.slice(0, 5).join(' | ')}`}; exit ${server.child.exitCode}`);
  if (unexpected.length) failures.push('unexpected lines on the server’s stderr');
  if (server.child.exitCode !== 0) failures.push(`the server exited with ${server.child.exitCode} on SIGTERM`);
  if (failures.length) {
    console.log(`FAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
}

async function loadFigures(server, streams, seconds, failures) {
  console.log(`load: ${streams} concurrent streams, echo at tps=50 (a chunk every ${CHUNK_MS} ms), ~${seconds} s each …`);
  const run = await load(server.url, server.child.pid, streams, seconds);
  const completed = run.results.filter((state) => state.completed).length;
  const started = run.results.filter((state) => state.started).length;
  const errors = [...new Set(run.results.map((state) => state.error).filter(Boolean))];
  const added = (p) => Math.max(0, run.gaps.percentile(p) - CHUNK_MS);
  const growth = ((run.rss.end - run.rss.loaded) / run.rss.loaded) * 100;
  console.log(`  streams completed / started: ${completed} / ${started} of ${streams} (goal: all)${errors.length ? `; errors: ${errors.slice(0, 3).join(', ')}` : ''}`);
  console.log(`  wall time ${run.elapsed.toFixed(1)} s for ${run.words + 1} chunks per stream (${run.gaps.count.toLocaleString('en')} gaps measured)`);
  const delivered = run.results.reduce((sum, state) => sum + state.contents, 0);
  console.log(`  chunks delivered: ${Math.round(delivered / run.elapsed).toLocaleString('en')}/s (${((streams * 1000) / CHUNK_MS).toLocaleString('en')}/s needed to keep pace)`);
  console.log(`  added inter-chunk delay over ${CHUNK_MS} ms: p50 ${added(50).toFixed(1)} ms, p99 ${added(99).toFixed(1)} ms, max ${Math.max(0, run.gaps.max - CHUNK_MS).toFixed(1)} ms (goal: p99 <= 10 ms)`);
  console.log(`  server RSS: idle ${run.rss.idle.toFixed(1)} MiB, streams open ${run.rss.loaded.toFixed(1)} MiB, at the end ${run.rss.end.toFixed(1)} MiB (growth ${growth.toFixed(1)} %, goal <= 10 %), after ${run.rss.after.toFixed(1)} MiB`);
  if (completed < streams) failures.push(`${streams - completed} streams did not complete`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
