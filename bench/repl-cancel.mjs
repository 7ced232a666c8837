#!/usr/bin/env node
// REPL Ctrl-C benchmark: prints figures, asserts nothing. Needs the built bundle and tmux.
// Run on its own with `node bench/repl-cancel.mjs`, or import `replCancelFigures()`.
//   AI stream       a slow streamed answer (echo at 5 words/s) interrupted with Ctrl-C
//   Unix pipeline   `sleep 30 | cat` interrupted with Ctrl-C
// Each figure is the time from sending Ctrl-C to the terminal (tmux send-keys) until the
// next `aish>` prompt reaches the terminal's output, so it includes tmux delivering the key.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const ROUNDS = 7;
const GOAL_MS = 200;

export async function replCancelFigures() {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
  } catch {
    return ['repl Ctrl-C: skipped (needs tmux)'];
  }
  const home = mkdtempSync(join(tmpdir(), 'aish-bench-repl-'));
  mkdirSync(join(home, '.config'));
  const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join('\n') + '\n';
  writeFileSync(join(home, 'words.txt'), words);
  const raw = join(home, 'terminal.raw');
  writeFileSync(raw, '');
  const socket = `aish-bench-${process.pid}`;
  const tmux = (...args) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const env = `HOME=${home} XDG_CONFIG_HOME=${home}/.config XDG_DATA_HOME=${home}/.local/share AISH_DB=${home}/aish.db TERM=screen LANG=C.UTF-8 PATH='${process.env.PATH}'`;
  const output = () => readFileSync(raw, 'utf8');
  try {
    tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'bench', '-x', '120', '-y', '40', `cd ${home} && env -i ${env} ${join(root, 'bin/aish')} -q; sleep 600`);
    tmux('pipe-pane', '-t', 'bench', '-o', `cat >> ${raw}`);
    await until(() => output().includes('aish>'));
    const interrupt = async (line, ready) => {
      const times = [];
      for (let round = 0; round < ROUNDS; round++) {
        const mark = output().length;
        tmux('send-keys', '-t', 'bench', '-l', '--', line);
        tmux('send-keys', '-t', 'bench', 'Enter');
        await until(() => output().slice(mark).includes(ready));
        const before = output().length;
        const started = performance.now();
        tmux('send-keys', '-t', 'bench', 'C-c');
        await until(() => output().slice(before).includes('aish>'));
        times.push(performance.now() - started);
        await new Promise((done) => setTimeout(done, 100));
      }
      return summary(times);
    };
    const ai = await interrupt(`cat words.txt | apollo --model 'echo?tps=5'`, 'word1');
    // The marker is quoted in two parts so that the typed line itself never shows it.
    const unix = await interrupt('echo "rea""dy"; sleep 30 | cat', 'ready');
    return [`repl Ctrl-C → prompt back: AI stream ${ai}; Unix pipeline ${unix} (${ROUNDS} rounds each; goal ≤ ${GOAL_MS} ms)`];
  } finally {
    try {
      const socketPath = tmux('display-message', '-p', '#{socket_path}').trim();
      tmux('kill-server');
      rmSync(socketPath, { force: true });
    } catch {
      // already gone
    }
    rmSync(home, { recursive: true, force: true });
  }
}

function summary(times) {
  const sorted = [...times].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms, max ${sorted.at(-1).toFixed(0)} ms`;
}

async function until(check, deadlineMs = 15_000) {
  const deadline = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`repl-cancel: the terminal never showed what was expected: ${check}`);
    await new Promise((done) => setTimeout(done, 1));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const figure of await replCancelFigures()) console.log(figure);
}
