#!/usr/bin/env node
// Relaying a stream: aish serve against a bare node:http SSE server sending the same events
// (bench/plain-sse-server.mjs), both running at once. Figures only. Needs the built bundle.
// Part of `npm run bench`; on its own: `node bench/relay-bench.mjs`.
//   first token   ms from request to the first content event (1,000 requests each, one at a time)
//   throughput    chunks/s relaying one answer of 13,000 words; 20 pairs of runs taken in turns,
//                 the ratio of each pair printed as a range (goal >= 0.8x on every run)
import { spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, percentileOfSorted } from './stats.mjs';

const root = resolve(import.meta.dirname, '..');

/** Starts a server process and resolves with its port (read from its output). */
export function startProcess(args, pattern, env) {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk) => {
      text += chunk;
      const found = pattern.exec(text);
      if (found) resolve({ child, port: Number(found[1]) });
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', () => reject(new Error(`server exited: ${text}`)));
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** Sends one stream request; resolves with ms to the first content event and the number of content events. */
function streamOnce(port, path, body) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let firstMs;
    let events = 0;
    let tail = '';
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const text = tail + chunk;
        const parts = text.split('\n\n');
        tail = parts.pop();
        for (const part of parts) {
          if (part.startsWith('id: ')) {
            events++;
            if (firstMs === undefined) firstMs = Number(process.hrtime.bigint() - started) / 1e6;
          }
        }
      });
      res.on('end', () => resolve({ firstMs, events, totalMs: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}


export async function serverFigures() {
  const home = mkdtempSync(join(tmpdir(), 'aish-bench-'));
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share') };
  const aish = await startProcess([join(root, 'bin/aish'), 'serve', '--port', '0', '--rate-limit', '0'], /127\.0\.0\.1:(\d+)/, env);
  const plain = await startProcess([join(root, 'bench/plain-sse-server.mjs')], /listening (\d+)/, env);
  try {
    const requests = 1000;
    const latency = async (port, path, body) => {
      for (let i = 0; i < 50; i++) await streamOnce(port, path, body); // warm up
      const times = [];
      for (let i = 0; i < requests; i++) times.push((await streamOnce(port, path, body)).firstMs);
      times.sort((a, b) => a - b);
      return { p50: percentileOfSorted(times, 50), p99: percentileOfSorted(times, 99) };
    };
    const viaAish = await latency(aish.port, '/api/v2/ai/apollo/stream', JSON.stringify({ content: 'hi' }));
    const viaPlain = await latency(plain.port, '/stream?words=1', '{}');
    // At most 64 KiB of message, so the echo model still answers a word at a time (a chunk per word).
    const words = 13_000;
    const long = JSON.stringify({ content: 'word '.repeat(words) });
    // Median of 20 runs each, taken in turns so that machine noise hits both alike.
    const aishRates = [];
    const plainRates = [];
    let events = 0;
    for (let run = 0; run < 21; run++) {
      // Which goes first alternates, so neither always runs on a warmer machine.
      const aishFirst = run % 2 === 0;
      const first = aishFirst ? await streamOnce(aish.port, '/api/v2/ai/apollo/stream', long) : await streamOnce(plain.port, `/stream?words=${words}`, '{}');
      const second = aishFirst ? await streamOnce(plain.port, `/stream?words=${words}`, '{}') : await streamOnce(aish.port, '/api/v2/ai/apollo/stream', long);
      const [viaAishRun, viaPlainRun] = aishFirst ? [first, second] : [second, first];
      if (run === 0) continue; // warm-up
      events = viaAishRun.events;
      aishRates.push(viaAishRun.events / (viaAishRun.totalMs / 1000));
      plainRates.push(viaPlainRun.events / (viaPlainRun.totalMs / 1000));
    }
    // The ratio of each pair of runs (aish's rate over the bare server's, taken one after the other).
    const ratios = aishRates.map((rate, index) => rate / plainRates[index]).sort((a, b) => a - b);
    return { requests, viaAish, viaPlain, aishRate: median(aishRates), plainRate: median(plainRates), events, ratios };
  } finally {
    aish.child.kill('SIGTERM');
    plain.child.kill('SIGTERM');
    agent.destroy(); // its kept-alive sockets would hold the process open
  }
}

/** The figures as printable lines. */
export function relayFigureLines(figures) {
  return [
    `server first token over SSE (${figures.requests} requests, echo model): aish p50 ${figures.viaAish.p50.toFixed(2)} ms, p99 ${figures.viaAish.p99.toFixed(2)} ms; ` +
      `plain node:http p50 ${figures.viaPlain.p50.toFixed(2)} ms, p99 ${figures.viaPlain.p99.toFixed(2)} ms; ` +
      `added by aish: p50 ${(figures.viaAish.p50 - figures.viaPlain.p50).toFixed(2)} ms, p99 ${(figures.viaAish.p99 - figures.viaPlain.p99).toFixed(2)} ms (goal p50 <= 1 ms)`,
    `server stream throughput (${figures.events.toLocaleString('en')} chunks, median of ${figures.ratios.length}): aish ${Math.round(figures.aishRate).toLocaleString('en')} chunks/s, ` +
      `plain node:http ${Math.round(figures.plainRate).toLocaleString('en')} chunks/s: ratio ${(figures.aishRate / figures.plainRate).toFixed(2)}x ` +
      `(each pair of runs: ${figures.ratios[0].toFixed(2)}–${figures.ratios.at(-1).toFixed(2)}x; goal >= 0.8x)`,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const line of relayFigureLines(await serverFigures())) console.log(line);
}
