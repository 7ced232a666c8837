// Typed answers and events (docs/schemas-and-events.md): prints figures, asserts nothing.
// Needs the built bundles dist/service/schema.cjs and dist/cli/events-output.cjs (`npm run build`).
//   validation   checking one answer against a 50-field schema: JSON.parse, ajv, the
//                compact JSON printed (the service's checkAnswer), per answer; and the
//                first answer, which compiles the schema
//   --events     what the events add per streamed delta: the stage.delta and stdout
//                events one delta makes, written to /dev/null (p50/p99 in-process), and
//                end to end: `aish --events -c` against `aish -c` on a 10,000-word answer
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, percentileOfSorted } from './stats.mjs';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

/** 50 fields of every concise type, all required, closed: what `--schema 'f0, f1 int, …'` means. */
function fiftyFieldSchema() {
  const types = ['string', 'integer', 'number', 'boolean', 'string'];
  const properties = {};
  for (let i = 0; i < 50; i++) properties[`field_${i}`] = { type: types[i % types.length], description: `field number ${i}` };
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
}

function answerFor(schema, seed) {
  const value = {};
  for (const [name, { type }] of Object.entries(schema.properties)) {
    value[name] = type === 'string' ? `text ${seed} for ${name}` : type === 'integer' ? seed : type === 'number' ? seed + 0.5 : seed % 2 === 0;
  }
  return JSON.stringify(value, null, 1);
}

function validationFigures() {
  const { checkAnswer, validatorFor } = require(join(root, 'dist/service/schema.cjs'));
  const schema = fiftyFieldSchema();
  const typed = { schema, multi: false };
  const firstStarted = process.hrtime.bigint();
  const first = checkAnswer(answerFor(schema, 0), typed);
  const firstMs = Number(process.hrtime.bigint() - firstStarted) / 1e6;
  if (!first.ok) throw new Error(`the bench answer does not validate: ${first.errors.join('; ')}`);
  validatorFor(schema);
  const answers = Array.from({ length: 1000 }, (_, i) => answerFor(schema, i));
  for (let i = 0; i < 2000; i++) checkAnswer(answers[i % answers.length], typed); // warm up
  const times = [];
  for (let i = 0; i < 20_000; i++) {
    const started = process.hrtime.bigint();
    const checked = checkAnswer(answers[i % answers.length], typed);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (!checked.ok) throw new Error('an answer did not validate');
  }
  times.sort((a, b) => a - b);
  return { firstMs, p50: percentileOfSorted(times, 50), p99: percentileOfSorted(times, 99), answerBytes: answers[0].length };
}

function eventsInProcess() {
  const { EventStream } = require(join(root, 'dist/cli/events-output.cjs'));
  const devNull = openSync('/dev/null', 'w');
  const events = new EventStream((line) => writeSync(devNull, line), {}, new Map([['apollo', 'echo']]));
  const ref = { pipeline: 0, stage: 0 };
  events.stageStart(ref, { kind: 'ai', specialist: 'apollo' });
  const words = Array.from({ length: 200 }, (_, i) => `word${i} `);
  for (let i = 0; i < 5000; i++) {
    events.stageDelta(ref, words[i % words.length]);
    events.stdout.write(words[i % words.length]);
  }
  const times = [];
  for (let i = 0; i < 50_000; i++) {
    const text = words[i % words.length];
    const started = process.hrtime.bigint();
    // What one delta costs under --events: its stage.delta, and the stdout event its text becomes.
    events.stageDelta(ref, text);
    events.stdout.write(text);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: percentileOfSorted(times, 50), p99: percentileOfSorted(times, 99), deltas: times.length };
}

function timeAish(args, env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [join(root, 'bin/aish'), ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`aish ${args.join(' ')} failed: ${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function eventsEndToEnd() {
  const home = mkdtempSync(join(tmpdir(), 'aish-bench-events-'));
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), AISH_DB: join(home, 'aish.db'), AISH_LOG: '0' };
  // Under 64 KiB, so the echo model streams it a word at a time (one delta per word).
  const words = 10_000;
  const line = `apollo "$(seq ${words} | tr '\\n' ' ')"`;
  const plain = [];
  const withEvents = [];
  for (let i = 0; i < 7; i++) {
    plain.push(timeAish(['-q', '-c', line], env));
    withEvents.push(timeAish(['-q', '--events', '-c', line], env));
  }
  const added = median(withEvents) - median(plain);
  return { words, plainMs: median(plain), eventsMs: median(withEvents), perDeltaMs: added / (words + 1) };
}

export function typedFigures() {
  const validation = validationFigures();
  const inProcess = eventsInProcess();
  const endToEnd = eventsEndToEnd();
  return [
    `schema validation, 50-field schema (${validation.answerBytes}-byte answers): ${(validation.p50 * 1000).toFixed(1)} µs p50, ${(validation.p99 * 1000).toFixed(1)} µs p99 per answer (parse + ajv + compact JSON; goal < 1 ms); the first answer, compiling the schema: ${validation.firstMs.toFixed(1)} ms`,
    `--events per streamed delta (stage.delta + stdout events to /dev/null, ${inProcess.deltas.toLocaleString('en')} deltas): ${(inProcess.p50 * 1000).toFixed(1)} µs p50, ${(inProcess.p99 * 1000).toFixed(1)} µs p99 (goal p99 < 1 ms)`,
    `--events end to end, ${endToEnd.words.toLocaleString('en')}-word echo answer: ${endToEnd.eventsMs.toFixed(0)} ms with against ${endToEnd.plainMs.toFixed(0)} ms without (medians of 7): ${(endToEnd.perDeltaMs * 1000).toFixed(1)} µs added per delta`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) for (const figure of typedFigures()) console.log(figure);
