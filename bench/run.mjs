#!/usr/bin/env node
// aish benchmarks: prints figures, asserts nothing. Run with `npm run bench`.
//   parse throughput  lines/s parsing a generated 10,000-line script
//   script loops      a 10,000-round `for` loop of `echo`; Ctrl-C in a 1,000-round loop (bench/loop-cancel.mjs)
//   cold start        median of `aish -c 'echo hi | apollo'` against `node -e 0`
//   echo model        a 3 MB message through `aish -c apollo`: time and peak RSS (bench/echo-bench.mjs)
//   server            first-token latency over SSE and relayed stream throughput,
//                     against a bare node:http SSE server sending the same events (bench/relay-bench.mjs)
//   store             session create / append / context fetch on a large database; append and fetch on PostgreSQL too
//   websocket         JSON-RPC chat round trip at 1,000 requests/s; server memory per idle WebSocket (bench/ws-bench.mjs)
//   history           exchange-log search (FTS5) and writes on 100,000 exchanges; `aish history --search`
//   mcp               tools/call → result over stdio and Streamable HTTP; `aish mcp` start-up to tools/list (bench/mcp-bench.mjs)
//   records / cache   --each over 10,000 records at -j 64 and over 1,000,000 lines (records/s, peak RSS); cache hit cost and lookup p99 (bench/records-bench.mjs)
//   typed / events    --schema validation per answer (50-field schema); what --events adds per streamed delta (bench/typed-bench.mjs)
//   coordination      what a Redis rate-limit check adds per request, against buckets in memory (bench/coord-bench.mjs)
//   tools             what aish adds to one tool round trip (server-everything's echo); memory of 10 idle MCP clients in aish serve (bench/tools-bench.mjs)
import { spawnSync } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { postgresStoreFigures, storeFigures } from './store-bench.mjs';
import { historyFigures } from './history-bench.mjs';
import { webSocketFigures } from './ws-bench.mjs';
import { relayFigureLines, serverFigures, startProcess } from './relay-bench.mjs';
import { mcpFigures } from './mcp-bench.mjs';
import { typedFigures } from './typed-bench.mjs';
import { loopCancelFigures } from './loop-cancel.mjs';
import { recordsFigures } from './records-bench.mjs';
import { coordFigures, coordLine } from './coord-bench.mjs';
import { toolFigures } from './tools-bench.mjs';
import { echoFigures } from './echo-bench.mjs';
import { serviceStreamFigures } from './service-stream-bench.mjs';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median } from './stats.mjs';

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
  'for f in notes/*.md; do apollo "one-line summary" < "$f"; done > summaries.txt',
  'if git diff --quiet; then echo clean; else git diff | apollo "review" > review.md; fi',
  'n=0; cat tickets.txt | while read -r t; do n=$((n+1)); echo "$n: $t"; done',
  'if ! grep -q TODO notes.md; then { echo done; date; } > status.txt; fi',
  '$(exit 3); X=1 sort -u list | { read -r first; echo "$first"; }',
];

function script(lines) {
  const out = [];
  for (let i = 0; out.length < lines; i++) out.push(SAMPLES[i % SAMPLES.length]);
  return out.join('\n') + '\n';
}


function parseThroughput() {
  const text = script(10_000);
  for (let i = 0; i < 3; i++) parse(text); // warm up
  const runs = [];
  // CPU time as well as wall time: on a shared, loaded machine the wall time says more about the other processes.
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    const result = parse(text);
    runs.push(performance.now() - started);
    if (!result.ok) throw new Error(result.diagnostic.message);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const ms = median(runs);
  const linesPerCpuSecond = Math.round((20 * 10_000) / ((cpu.user + cpu.system) / 1e6));
  return { lines: 10_000, bytes: Buffer.byteLength(text), medianMs: ms, linesPerSecond: Math.round(10_000 / (ms / 1000)), linesPerCpuSecond };
}

function timeOnce(command, args, env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return ms;
}

function coldStart() {
  const home = mkdtempSync(join(tmpdir(), 'aish-bench-'));
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share') };
  const runs = 41;
  const node = [process.execPath, ['-e', '0']];
  const aish = [process.execPath, [join(root, 'bin/aish'), '-q', '-c', 'echo hi | apollo']];
  const times = { node: [], aish: [] };
  // Alternate the two, after two warm-up rounds, so machine noise hits both alike.
  for (let i = 0; i < runs + 2; i++) {
    const nodeMs = timeOnce(...node, env);
    const aishMs = timeOnce(...aish, env);
    if (i < 2) continue;
    times.node.push(nodeMs);
    times.aish.push(aishMs);
  }
  const nodeMedian = median(times.node);
  const aishMedian = median(times.aish);
  // The ratio in 5 groups of consecutive runs: its range says how steady the machine was.
  const group = Math.floor(runs / 5);
  const ratios = [0, 1, 2, 3, 4].map((g) => median(times.aish.slice(g * group, (g + 1) * group)) / median(times.node.slice(g * group, (g + 1) * group)));
  return { runs, nodeMedianMs: nodeMedian, aishMedianMs: aishMedian, ratio: aishMedian / nodeMedian, low: Math.min(...ratios), high: Math.max(...ratios) };
}

/** The machine's load average: figures from a busy machine are noisy, so it is printed with them (ratios to a baseline in the same run hold up best). */
const loadAverage = () => loadavg().map((value) => value.toFixed(2)).join(' ');
console.log(`load average at the start: ${loadAverage()} (${(await import('node:os')).availableParallelism()} cores)`);

const parsed = parseThroughput();
console.log(
  `parse throughput: ${parsed.linesPerSecond.toLocaleString('en')} lines/s, ${parsed.linesPerCpuSecond.toLocaleString('en')} lines per CPU-second (10,000-line script, ${(parsed.bytes / 1024).toFixed(0)} KiB, median ${parsed.medianMs.toFixed(1)} ms of 20 runs; CPU time counts the GC's helper threads too; goal >= 45,000 lines/s)`,
);

/** A 10,000-round `for` loop of `echo` builtins in one aish process, minus the start-up of `aish -c true`. */
function loopFigures() {
  const home = mkdtempSync(join(tmpdir(), 'aish-bench-'));
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share') };
  const aish = (line) => timeOnce(process.execPath, [join(root, 'bin/aish'), '-q', '-c', line], env);
  const loop = 'for i in $(seq 10000); do echo "$i"; done > /dev/null';
  const runs = [0, 1, 2].map(() => aish(loop) - aish('true'));
  return { runs: runs.map((ms) => ms.toFixed(0)), median: median(runs) };
}
const loops = loopFigures();
console.log(`for loop of 10,000 echo builtins: median ${loops.median.toFixed(0)} ms (runs ${loops.runs.join(', ')} ms, start-up taken out; goal < 1,000 ms)`);
for (const figure of await loopCancelFigures()) console.log(figure); // a script loop: Ctrl-C → exit 130
const cold = coldStart();
console.log(
  `cold start: aish -c 'echo hi | apollo' ${cold.aishMedianMs.toFixed(1)} ms vs node -e 0 ${cold.nodeMedianMs.toFixed(1)} ms (medians of ${cold.runs}): ratio ${cold.ratio.toFixed(2)}x, ${cold.low.toFixed(2)}–${cold.high.toFixed(2)}x over 5 groups of runs (goal <= 1.6x)`,
);

for (const figure of await echoFigures()) console.log(figure); // the echo model on a 3 MB message, whole process

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

for (const figure of relayFigureLines(await serverFigures())) console.log(figure); // first token and relay throughput against a bare node:http server (bench/relay-bench.mjs)
for (const figure of await serviceStreamFigures()) console.log(figure); // what the answer path costs per streamed part, without HTTP (bench/service-stream-bench.mjs)

/**
 * Upstream cancel: a fake OpenAI-compatible provider sends one chunk and stalls;
 * the client reads it through `aish serve` and leaves. Measured: from the
 * client closing to the provider seeing its connection closed.
 */
async function cancelFigures() {
  const closes = [];
  let onClose;
  const provider = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi "}}]}\n\n');
    request.socket.once('close', () => onClose?.(process.hrtime.bigint()));
  });
  await new Promise((resolve) => provider.listen(0, '127.0.0.1', resolve));
  const home = mkdtempSync(join(tmpdir(), 'aish-bench-'));
  mkdirSync(join(home, '.config', 'aish'), { recursive: true });
  writeFileSync(
    join(home, '.config', 'aish', 'config.yaml'),
    `providers:\n  openai: { api_key: sk-bench, base_url: "http://127.0.0.1:${provider.address().port}/v1" }\ndefault_model: openai/gpt-4o-mini\n`,
  );
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share') };
  const aish = await startProcess([join(root, 'bin/aish'), 'serve', '--port', '0', '--rate-limit', '0'], /127\.0\.0\.1:(\d+)/, env);
  try {
    for (let i = 0; i < 20; i++) {
      const closed = new Promise((resolve) => (onClose = resolve));
      const left = await new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: aish.port, path: '/api/v2/ai/apollo/stream', method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
          res.on('data', (chunk) => {
            if (String(chunk).includes('"type":"content"')) {
              const at = process.hrtime.bigint();
              req.destroy();
              resolve(at);
            }
          });
        });
        req.on('error', () => {});
        req.end(JSON.stringify({ content: 'hi' }));
        setTimeout(() => reject(new Error('no content from aish serve')), 10_000).unref();
      });
      closes.push(Number((await closed) - left) / 1e6);
    }
  } finally {
    aish.child.kill('SIGTERM');
    provider.close();
    provider.closeAllConnections();
  }
  return { runs: closes.length, median: median(closes), max: Math.max(...closes) };
}

const cancel = await cancelFigures();
console.log(
  `upstream cancel after a client leaves (${cancel.runs} runs): median ${cancel.median.toFixed(2)} ms, max ${cancel.max.toFixed(2)} ms (goal: within 100 ms)`,
);
agent.destroy();

for (const figure of await storeFigures()) console.log(figure);
for (const figure of await postgresStoreFigures()) console.log(figure); // append and context fetch on PostgreSQL (loopback), or why skipped
for (const figure of await webSocketFigures()) console.log(figure); // WebSocket: chat latency at 1,000/s, memory per idle connection
for (const figure of await historyFigures()) console.log(figure);
for (const figure of await mcpFigures()) console.log(figure); // MCP: tools/call latency over stdio and HTTP, aish mcp start-up

/**
 * A 20-way fan-out against the same 20 calls one after another, echo model at
 * ttft_ms=200. Start-up is taken out by differences: a line run twice in one
 * process minus the line run once is one run of it, nothing else.
 */
function fanoutFigures() {
  const home = mkdtempSync(join(tmpdir(), 'aish-bench-'));
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share') };
  const call = `apollo --model 'echo?ttft_ms=200'`;
  const fanout = `{${Array.from({ length: 20 }, () => call).join(', ')}} << "x" > /dev/null`;
  const sequence = Array.from({ length: 20 }, () => `${call} << "x" > /dev/null`).join('; ');
  const once = (line) => median([0, 1, 2].map(() => timeOnce(process.execPath, [join(root, 'bin/aish'), '-q', '-c', line], env)));
  const parallel = once(`${fanout}; ${fanout}`) - once(fanout);
  const serial = once(`${sequence}; ${sequence}`) - once(sequence);
  return { parallel, serial, speedup: serial / parallel };
}

/**
 * Scheduling overhead of a 100-operation chain (each op depends on the one
 * before) in one bulk request to `aish serve`, echo model: the request's wall
 * time minus the operations' own execution times, per operation.
 */
async function chainFigures() {
  const home = mkdtempSync(join(tmpdir(), 'aish-bench-'));
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share') };
  const aish = await startProcess([join(root, 'bin/aish'), 'serve', '--port', '0', '--rate-limit', '0'], /127\.0\.0\.1:(\d+)/, env);
  try {
    const operations = Array.from({ length: 100 }, (_, i) => ({
      id: `op${i}`,
      ai: i % 2 ? 'athena' : 'apollo',
      message: i === 0 ? 'start' : `next {op${i - 1}}`,
      ...(i > 0 && { depends_on: [`op${i - 1}`] }),
    }));
    const body = JSON.stringify({ operations, execution: 'parallel' });
    const post = () =>
      new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const req = httpRequest({ host: '127.0.0.1', port: aish.port, path: '/api/v2/bulk', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ wallMs: Number(process.hrtime.bigint() - started) / 1e6, answer: JSON.parse(text) }));
        });
        req.on('error', reject);
        req.end(body);
      });
    await post(); // warm-up
    const overheads = [];
    for (let run = 0; run < 5; run++) {
      const { wallMs, answer } = await post();
      if (answer.status !== 'completed') throw new Error(`chain did not complete: ${JSON.stringify(answer).slice(0, 200)}`);
      const work = Object.values(answer.results).reduce((sum, result) => sum + result.execution_time * 1000, 0);
      overheads.push((wallMs - work) / operations.length);
    }
    return { perOperation: median(overheads) };
  } finally {
    aish.child.kill('SIGTERM');
  }
}

const chain = await chainFigures();
console.log(`bulk chain of 100 operations: scheduling overhead ${chain.perOperation.toFixed(3)} ms per operation (median of 5; goal < 1 ms)`);

const fan = fanoutFigures();
console.log(
  `20-way fan-out, echo ttft_ms=200: ${fan.parallel.toFixed(0)} ms against ${fan.serial.toFixed(0)} ms one after another: speedup ${fan.speedup.toFixed(1)}x (goal >= 18x)`,
);
for (const figure of await (await import('./repl-cancel.mjs')).replCancelFigures()) console.log(figure); // REPL: Ctrl-C → prompt back
for (const figure of typedFigures()) console.log(figure); // --schema validation, --events per delta
for (const figure of await recordsFigures()) console.log(figure); // --each throughput and memory, the cache's cost
console.log(coordLine(await coordFigures())); // what a Redis rate-limit check adds per request
for (const figure of await toolFigures()) console.log(figure); // tool round trip overhead, idle MCP clients in aish serve
console.log(`load average at the end: ${loadAverage()}`);
