// Tool-calling figures (docs/tools.md), against the real server-everything from npm:
//   tool round trip: what aish adds to one round of model → tool call → model, the tool
//   itself taken out. Each sample times, in the one process, (T) a whole service call
//   whose echo model calls server-everything's `echo` once, (P) the same call with no
//   tools (one model round), and (R) the same tools/call made straight with the SDK's
//   client on its own connection; aish's part is T − P − R. p50 and p99 of the samples.
//   idle MCP clients in `aish serve`: the server's RSS with no MCP server started, with one
//   (which loads the SDK), and with 10, per further client (and what the 10 server
//   processes hold themselves).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { median, percentileOfSorted } from './stats.mjs';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const EVERYTHING = resolve(require.resolve('@modelcontextprotocol/server-everything/package.json'), '..', 'dist', 'index.js');
const SAMPLES = 300;

async function roundTripOverhead() {
  const { SpecialistService } = require(join(root, 'dist/service/index.cjs'));
  const { McpClients } = require(join(root, 'dist/mcp/client.cjs'));
  const logFolder = mkdtempSync(join(tmpdir(), 'aish-bench-tools-'));
  const host = new McpClients({ everything: { command: process.execPath, args: [EVERYTHING] } }, { logFolder });
  const specialist = (id, tools) => ({ id, name: id, aliases: [], description: '', system: '', model: 'echo', capabilities: { primary: [], scores: {} }, fallback: [], ...(tools && { tools }) });
  const service = new SpecialistService({ roster: [specialist('apollo', ['everything.echo']), specialist('plain')], defaultModel: 'echo', tools: host });
  const direct = new Client({ name: 'aish-bench', version: '1.0.0' });
  await direct.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING], stderr: 'ignore' }));
  const call = async (id, content) => {
    let text = '';
    for await (const event of service.stream(id, { content })) if (event.type === 'content') text += event.data;
    return text;
  };
  const timed = async (operation) => {
    const started = process.hrtime.bigint();
    const value = await operation();
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
  };
  try {
    const overheads = [];
    for (let i = -30; i < SAMPLES; i++) {
      const withTool = await timed(() => call('apollo', `CALL everything.echo {"message":"m${i}"}`));
      const plain = await timed(() => call('plain', `m${i}`));
      const raw = await timed(() => direct.callTool({ name: 'echo', arguments: { message: `m${i}` } }));
      if (withTool.value !== `[apollo] Echo: m${i}\n`) throw new Error(`unexpected answer: ${JSON.stringify(withTool.value)}`);
      if (i >= 0) overheads.push({ overhead: withTool.ms - plain.ms - raw.ms, tool: raw.ms });
    }
    const sorted = overheads.map((sample) => sample.overhead).sort((a, b) => a - b);
    return { p50: percentileOfSorted(sorted, 50), p99: percentileOfSorted(sorted, 99), tool: median(overheads.map((sample) => sample.tool)) };
  } finally {
    await direct.close();
    await service.close();
  }
}

function rssKiB(pid) {
  const found = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return found ? Number(found[1]) : NaN;
}

function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function idleClientsMemory() {
  const home = mkdtempSync(join(tmpdir(), 'aish-bench-tools-'));
  const servers = Array.from({ length: 10 }, (_, i) => `  e${i}: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(EVERYTHING)}] }`);
  mkdirSync(join(home, '.config', 'aish'), { recursive: true });
  writeFileSync(
    join(home, '.config', 'aish', 'config.yaml'),
    `default_model: echo\nmcp_servers:\n${servers.join('\n')}\nspecialists:\n  apollo: { tools: [${servers.map((_, i) => `e${i}.*`).join(', ')}] }\n  first: { tools: [e0.*] }\n`,
  );
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), XDG_STATE_HOME: join(home, '.local/state'), AISH_DB: join(home, 'aish.db') };
  const server = spawn(process.execPath, [join(root, 'bin/aish'), 'serve', '--port', '0', '--rate-limit', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const port = await new Promise((done, fail) => {
      let text = '';
      server.stderr.setEncoding('utf8').on('data', (chunk) => {
        text += chunk;
        const found = /127\.0\.0\.1:(\d+)/.exec(text);
        if (found) done(Number(found[1]));
      });
      server.once('exit', () => fail(new Error(`aish serve exited: ${text}`)));
    });
    const ask = (id) => fetch(`http://127.0.0.1:${port}/api/v2/ai/${id}/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: 'hi' }) }).then((response) => response.json());
    const settled = async () => {
      await new Promise((done) => setTimeout(done, 1500));
      return rssKiB(server.pid);
    };
    // A plain call loads the service's code; `first` then starts one server (and loads the MCP SDK).
    await ask('athena');
    const plain = await settled();
    await ask('first');
    const one = await settled();
    // `apollo` starts the other nine: what each started, idle client costs.
    const answer = await ask('apollo');
    if (answer.content !== '[apollo] hi') throw new Error(`unexpected answer: ${JSON.stringify(answer)}`);
    await ask('apollo');
    const ten = await settled();
    const children = childrenOf(server.pid);
    const childRss = children.reduce((sum, pid) => sum + rssKiB(pid), 0);
    return { plainMiB: plain / 1024, oneMiB: one / 1024, tenMiB: ten / 1024, perClientKiB: (ten - one) / 9, children: children.length, childMiB: childRss / 1024 };
  } finally {
    server.kill('SIGTERM');
    await new Promise((done) => server.once('exit', done));
  }
}

/** The figures as lines. */
export async function toolFigures() {
  const trip = await roundTripOverhead();
  const idle = await idleClientsMemory();
  return [
    `tool round trip (echo model → server-everything echo → model): aish adds p50 ${trip.p50.toFixed(2)} ms, p99 ${trip.p99.toFixed(2)} ms over the tool itself (${trip.tool.toFixed(2)} ms by the SDK's client alone; ${SAMPLES} samples; goal p50 < 2 ms)`,
    `10 idle started MCP server clients in aish serve: RSS ${idle.plainMiB.toFixed(1)} MiB with none, ${idle.oneMiB.toFixed(1)} with 1 (the MCP SDK loaded), ${idle.tenMiB.toFixed(1)} with 10: ${idle.perClientKiB.toFixed(0)} KiB per further client (the ${idle.children} server processes hold ${idle.childMiB.toFixed(0)} MiB of their own)`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) for (const line of await toolFigures()) console.log(line);
