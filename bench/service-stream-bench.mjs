#!/usr/bin/env node
// What the answer path costs per streamed part, without HTTP: 1,000 concurrent answers of the
// echo model paced at 50 parts/s (150 parts each, as in `npm run load`) read through the
// service's `stream` (echo → resilience → call stream → the reader), against 1,000 bare loops
// of 150 paced timer ticks (the floor: the same timers, nothing else). CPU time of each, in its
// own process (a fresh heap), median of 3 runs. Under the 1,000-stream load this is about half
// of what aish serve spends beyond a bare node:http server; the rest is per request. Figures only.
// Run on its own with `node bench/service-stream-bench.mjs [--rounds N]`; needs the built bundle.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.mjs';

const root = resolve(import.meta.dirname, '..');
const STREAMS = 1000;
const PARTS = 150;
const TPS = 50;
const RUNS = 3;

/** Child mode: runs one variant `rounds` times in one process and prints each round's CPU milliseconds and the parts the last read, as JSON. */
async function child(variant, rounds) {
  const gapMs = 1000 / TPS;
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  let read;
  if (variant === 'bare') {
    read = async () => {
      let parts = 0;
      for (let i = 0; i < PARTS; i++) {
        await sleep(gapMs);
        parts++;
      }
      return parts;
    };
  } else {
    const { SpecialistService } = createRequire(import.meta.url)(join(root, 'dist/service/index.cjs'));
    const specialist = { id: 'apollo', name: 'Apollo', aliases: [], description: 'bench', system: 'You are Apollo.', model: `echo?tps=${TPS}`, capabilities: { primary: [], scores: {} }, fallback: [] };
    const service = new SpecialistService({ roster: [specialist], defaultModel: 'echo' });
    // `[apollo] ` and PARTS - 1 words: PARTS content parts.
    const content = 'w '.repeat(PARTS - 1);
    read = async () => {
      let parts = 0;
      for await (const event of service.stream('apollo', { content }, new AbortController().signal)) if (event.type === 'content') parts++;
      return parts;
    };
  }
  const cpuMs = [];
  let parts = 0;
  for (let round = 0; round < rounds; round++) {
    const before = process.cpuUsage();
    const counts = await Promise.all(Array.from({ length: STREAMS }, read));
    const used = process.cpuUsage(before);
    cpuMs.push((used.user + used.system) / 1000);
    parts = counts.reduce((sum, count) => sum + count, 0);
  }
  process.stdout.write(JSON.stringify({ cpuMs, parts }));
}

function runChild(variant, rounds) {
  return new Promise((done, fail) => {
    const runner = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', variant, String(rounds)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    runner.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    runner.once('close', (status) => (status === 0 ? done(JSON.parse(out)) : fail(new Error(`${variant} run exited ${status}`))));
  });
}

/**
 * The figure as a printable line; with `rounds` > 1, one line per round, each round run again in
 * the same process (the first round meets code V8 has not optimized yet, and a heap still growing).
 */
export async function serviceStreamFigures(rounds = 1) {
  const cpu = { bare: [], service: [] };
  let parts = 0;
  // Alternated, so machine noise hits both alike.
  for (let run = 0; run < RUNS; run++) {
    for (const variant of ['bare', 'service']) {
      const result = await runChild(variant, rounds);
      cpu[variant].push(result.cpuMs);
      if (variant === 'service') parts = result.parts;
    }
  }
  const total = STREAMS * PARTS;
  return Array.from({ length: rounds }, (_, round) => {
    const bare = median(cpu.bare.map((run) => run[round]));
    const service = median(cpu.service.map((run) => run[round]));
    const which = rounds > 1 ? ` round ${round + 1} of ${rounds} in one process,` : '';
    return (
      `answer path per streamed part (${STREAMS.toLocaleString('en')} echo answers of ${PARTS} parts at ${TPS}/s through the service, no HTTP;${which} ${parts.toLocaleString('en')} of ${total.toLocaleString('en')} parts read): ` +
      `CPU ${service.toFixed(0)} ms against ${bare.toFixed(0)} ms for bare timer loops (medians of ${RUNS}): ${(((service - bare) * 1000) / total).toFixed(2)} µs added per part`
    );
  });
}

if (process.argv[2] === '--child') await child(process.argv[3], Number(process.argv[4] ?? 1));
else if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--rounds');
  for (const line of await serviceStreamFigures(at === -1 ? 1 : Number(process.argv[at + 1]))) console.log(line);
}
