#!/usr/bin/env node
// Ctrl-C in a script loop: prints figures, asserts nothing. Needs the built bundle.
// Run on its own with `node bench/loop-cancel.mjs`, or import `loopCancelFigures()`.
// A script loops 1,000 times over a Unix command and an AI stage (the echo model);
// once 100 rounds have printed, SIGINT goes to aish's process group, as a terminal's
// Ctrl-C does. The figure is the time from the signal until aish has exited with 130.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './stats.mjs';

const root = resolve(import.meta.dirname, '..');
const ROUNDS = 7;
const GOAL_MS = 200;
const SCRIPT = 'for i in $(seq 1000); do\n  echo "round $i" | tr a-z A-Z | apollo\ndone\n';

export async function loopCancelFigures() {
  const home = mkdtempSync(join(tmpdir(), 'aish-bench-loop-'));
  writeFileSync(join(home, 'loop.aish'), SCRIPT);
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), AISH_DB: join(home, 'aish.db') };
  const times = [];
  const statuses = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { ms, status } = await interruptOnce(home, env);
    times.push(ms);
    statuses.push(status);
  }
  const all130 = statuses.every((status) => status === 130);
  return [
    `loop Ctrl-C (1,000 rounds of a Unix command and an AI stage, SIGINT after 100): median ${median(times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms until exit ${all130 ? '130' : `statuses ${statuses.join(', ')}`} (${ROUNDS} runs; goal within ${GOAL_MS} ms)`,
  ];
}

function interruptOnce(home, env) {
  return new Promise((resolve, reject) => {
    // Its own process group, so the signal reaches aish and its children together, as from a terminal.
    const child = spawn(process.execPath, [join(root, 'bin/aish'), '-q', 'loop.aish'], { cwd: home, env, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    let lines = 0;
    let sentAt;
    child.stdout.on('data', (chunk) => {
      if (sentAt !== undefined) return;
      lines += chunk.toString().split('\n').length - 1;
      if (lines < 100) return;
      sentAt = process.hrtime.bigint();
      process.kill(-child.pid, 'SIGINT');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (sentAt === undefined) return reject(new Error(`the loop ended before it was interrupted (status ${code ?? signal})`));
      resolve({ ms: Number(process.hrtime.bigint() - sentAt) / 1e6, status: code ?? signal });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const figure of await loopCancelFigures()) console.log(figure);
}
