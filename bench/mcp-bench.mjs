// MCP figures (docs/mcp.md), with the SDK's own client and the echo model:
//   tools/call → result for apollo, over stdio (`aish mcp`) and over Streamable HTTP
//   (`aish serve`'s /mcp): p50 and p99 of sequential calls after a warm-up;
//   `aish mcp` start-up: from spawning it to the answer of the first tools/list.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { median } from './stats.mjs';

const root = resolve(import.meta.dirname, '..');
const aish = join(root, 'bin/aish');
const CALLS = 500;
const STARTS = 15;

function benchEnv() {
  const home = mkdtempSync(join(tmpdir(), 'aish-bench-mcp-'));
  return { env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), AISH_DB: join(home, 'aish.db') }, home };
}

function newClient() {
  return new Client({ name: 'aish-bench', version: '1.0.0' });
}

async function callTimes(client) {
  for (let i = 0; i < 50; i++) await client.callTool({ name: 'apollo', arguments: { message: `warm ${i}` } });
  const times = [];
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now();
    const result = await client.callTool({ name: 'apollo', arguments: { message: `call ${i}` } });
    times.push(performance.now() - started);
    if (result.content[0]?.text !== `[apollo] call ${i}`) throw new Error(`unexpected answer: ${JSON.stringify(result)}`);
  }
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)];
  return { p50: at(50), p99: at(99) };
}

async function overStdio() {
  const { env, home } = benchEnv();
  const client = newClient();
  await client.connect(new StdioClientTransport({ command: aish, args: ['mcp'], env, cwd: home, stderr: 'ignore' }));
  try {
    return await callTimes(client);
  } finally {
    await client.close();
  }
}

async function overHttp() {
  const { env } = benchEnv();
  const server = spawn(process.execPath, [aish, 'serve', '--port', '0', '--rate-limit', '0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise((found, failed) => {
    let text = '';
    server.stderr.setEncoding('utf8').on('data', (chunk) => {
      text += chunk;
      const match = /on (http:\/\/\S+)/.exec(text);
      if (match) found(match[1]);
    });
    server.once('exit', () => failed(new Error(`aish serve exited: ${text}`)));
  });
  const client = newClient();
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', url)));
    return await callTimes(client);
  } finally {
    await client.close();
    server.kill('SIGTERM');
  }
}

/** From spawning `aish mcp` to the answer of its first tools/list (connect includes the initialize exchange). */
async function startUp() {
  const { env, home } = benchEnv();
  const times = [];
  for (let i = 0; i < STARTS + 1; i++) {
    const client = newClient();
    const started = performance.now();
    await client.connect(new StdioClientTransport({ command: aish, args: ['mcp'], env, cwd: home, stderr: 'ignore' }));
    const { tools } = await client.listTools();
    const ms = performance.now() - started;
    await client.close();
    if (!tools.some((tool) => tool.name === 'apollo')) throw new Error('no apollo tool');
    if (i > 0) times.push(ms); // the first start warms the disk cache
  }
  return median(times);
}

export async function mcpFigures() {
  const stdio = await overStdio();
  const http = await overHttp();
  const start = await startUp();
  return [
    `MCP tools/call → result, apollo, echo model, over stdio: p50 ${stdio.p50.toFixed(2)} ms, p99 ${stdio.p99.toFixed(2)} ms (${CALLS} calls; goals p50 < 5 ms, p99 < 20 ms)`,
    `MCP tools/call → result, apollo, echo model, over Streamable HTTP: p50 ${http.p50.toFixed(2)} ms, p99 ${http.p99.toFixed(2)} ms (${CALLS} calls; goals p50 < 5 ms, p99 < 20 ms)`,
    `aish mcp start-up to the first tools/list answer: median ${start.toFixed(0)} ms of ${STARTS} (goal < 300 ms)`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) for (const figure of await mcpFigures()) console.log(figure);
