#!/usr/bin/env node
// aish benchmarks: prints figures, asserts nothing. Run with `npm run bench`.
//   parse throughput  lines/s parsing a generated 10,000-line script
//   cold start        median of `aish -c 'echo hi | apollo'` against `node -e 0`
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const { parse } = (await import('node:module')).createRequire(import.meta.url)(join(root, 'dist/syntax/index.cjs'));

const SAMPLES = [
  'echo "What is clean code?" | apollo | athena > answer.md',
  "cat src/app.ts | apollo 'find bugs' | tee review.md | wc -l",
  'apollo,athena,prometheus << "Analyze this design"',
  '{apollo|athena} | prometheus "merge these views"',
  'git diff | @code-analysis "write a commit message" > msg.txt && git commit -F msg.txt',
  'set NAME=$USER; echo "hello ${NAME}" $(date) ~/notes || echo failed &',
  '{(apollo | athena), hermes --json} 2>&1 | wc -c # a comment',
];

function script(lines) {
  const out = [];
  for (let i = 0; out.length < lines; i++) out.push(SAMPLES[i % SAMPLES.length]);
  return out.join('\n') + '\n';
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function parseThroughput() {
  const text = script(10_000);
  for (let i = 0; i < 3; i++) parse(text); // warm up
  const runs = [];
  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    const result = parse(text);
    runs.push(performance.now() - started);
    if (!result.ok) throw new Error(result.diagnostic.message);
  }
  const ms = median(runs);
  return { lines: 10_000, bytes: Buffer.byteLength(text), medianMs: ms, linesPerSecond: Math.round(10_000 / (ms / 1000)) };
}

function timeCommand(command, args, env, runs) {
  const times = [];
  for (let i = 0; i < runs + 2; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
    if (i >= 2) times.push(ms); // the first two warm the file cache
  }
  return median(times);
}

function coldStart() {
  const home = mkdtempSync(join(tmpdir(), 'aish-bench-'));
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share') };
  const runs = 21;
  const node = timeCommand(process.execPath, ['-e', '0'], env, runs);
  const aish = timeCommand(process.execPath, [join(root, 'bin/aish'), '-q', '-c', 'echo hi | apollo'], env, runs);
  return { runs, nodeMedianMs: node, aishMedianMs: aish, ratio: aish / node };
}

const parsed = parseThroughput();
console.log(`parse throughput: ${parsed.linesPerSecond.toLocaleString('en')} lines/s (10,000-line script, ${(parsed.bytes / 1024).toFixed(0)} KiB, median ${parsed.medianMs.toFixed(1)} ms of 10 runs)`);
const cold = coldStart();
console.log(
  `cold start: aish -c 'echo hi | apollo' ${cold.aishMedianMs.toFixed(1)} ms vs node -e 0 ${cold.nodeMedianMs.toFixed(1)} ms (medians of ${cold.runs}): ratio ${cold.ratio.toFixed(2)}x (goal <= 2x)`,
);
