// The echo model on a big message: `aish -q -c apollo < FILE` with a 3,000,000-byte message
// (under the 4 MiB input limit, no `tps`), the whole process as a user runs it (the exchange
// log on): wall time and peak RSS over 5 runs, with `cat FILE` as the floor. Figures only.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median } from './stats.mjs';

const root = resolve(import.meta.dirname, '..');
const BYTES = 3_000_000;
const RUNS = 5;

/** Words and line breaks, BYTES long: what a big pasted document looks like to the echo model. */
function bigMessage() {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
  const parts = [];
  let size = 0;
  for (let i = 0; size < BYTES; i++) {
    const part = `${words[i % words.length]}${i % 12 === 11 ? '\n' : ' '}`;
    parts.push(part);
    size += part.length;
  }
  return parts.join('').slice(0, BYTES);
}

/** Runs `command args` with the file `input` on stdin; resolves with its seconds and the bytes it wrote to stdout, rejects if it fails. */
function run(command, args, input, env) {
  return new Promise((done, fail) => {
    const stdin = openSync(input, 'r');
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: [stdin, 'pipe', 'pipe'] });
    closeSync(stdin);
    let out = 0;
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk.length));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (err += chunk));
    child.once('error', fail);
    child.once('close', (status) => (status === 0 ? done({ seconds: (performance.now() - started) / 1000, out }) : fail(new Error(`${command} exited ${status}: ${err}`))));
  });
}

export async function echoFigures() {
  const home = mkdtempSync(join(tmpdir(), 'aish-bench-echo-'));
  try {
    const input = join(home, 'message.txt');
    writeFileSync(input, bigMessage());
    const peakFile = join(home, 'peak');
    const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), AISH_BENCH_PEAK_FILE: peakFile };
    const aish = [process.execPath, ['--require', join(root, 'bench/peak-rss.cjs'), join(root, 'bin/aish'), '-q', '-c', 'apollo']];
    await run(...aish, input, env); // warm-up: creates the database
    const seconds = [];
    const peaks = [];
    const cats = [];
    let out = 0;
    for (let i = 0; i < RUNS; i++) {
      cats.push((await run('cat', [], input, env)).seconds);
      const result = await run(...aish, input, env);
      seconds.push(result.seconds);
      peaks.push(Number(readFileSync(peakFile, 'utf8')) / 1024);
      out = result.out;
    }
    const range = (values, digits, unit) => `median ${median(values).toFixed(digits)}${unit} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}${unit})`;
    return [
      `echo model, a ${(BYTES / 1e6).toFixed(0)} MB message (no tps), aish -q -c apollo < file, exchange log on, ${RUNS} runs: ${range(seconds, 2, ' s')}, peak RSS ${range(peaks, 0, ' MiB')}, ${out.toLocaleString('en')} bytes out; cat alone ${median(cats).toFixed(3)} s (goals < 0.5 s, < 100 MiB)`,
    ];
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) for (const line of await echoFigures()) console.log(line);
