// Build step: V8's compiled code for the bundle's files, saved beside each so bin/aish
// skips most parsing and compiling on every start (Node 20 has no built-in
// compile cache). The files a line such as `echo hi | apollo` loads (run once
// without a config file, in a child process, to list them) are first packed into
// dist/start-pack.cjs, which bin/aish reads and compiles as one script. That line
// meets a database that exists, as every line but a machine's first does: its
// exchange goes to a pending file, so SQLite is not packed (the first line, and
// commands that read the log, load it from its own file, with its own cache). The cache
// is taken after one warm-up run of that line (offline, with a small config file
// so the YAML reader is compiled too), so the functions that run at every start
// are in it, not only the top level. A cache that does not fit this node is
// ignored by V8. The MCP SDK's bundle (loaded only by `aish mcp` and `/mcp`) gets
// one the same way.
'use strict';
const { spawnSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, writeSync } = require('node:fs');
const { createRequire, wrap } = require('node:module');
const { tmpdir } = require('node:os');
const { dirname, join, relative, sep } = require('node:path');
const { Script } = require('node:vm');
const { loadBundle, PACK } = require('../bin/load-bundle.cjs');

const dist = join(__dirname, '..', 'dist');
const file = join(dist, 'cli', 'main.cjs');
const pack = join(dist, PACK);
// `--list FILE`: the warm-up without a config file, from the files themselves, writing the paths it loaded to FILE.
const listing = process.argv[2] === '--list' ? process.argv[3] : undefined;
if (!listing) writePack(startFiles());
// Every file the warm-up loads (the pack, and the chunks outside it a typical line needs) gets its cache.
const scripts = new Map();
const bundle = { exports: loadBundle(file, scripts, undefined, listing ? false : pack) };

// The warm-up must not touch the developer's own config or print anything.
const home = mkdtempSync(join(tmpdir(), 'aish-build-'));
Object.assign(process.env, { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share') });
if (listing) makeDatabase();
else {
  mkdirSync(join(home, '.config', 'aish'), { recursive: true });
  writeFileSync(join(home, '.config', 'aish', 'config.yaml'), 'default_model: auto\nspecialists:\n  apollo:\n    description: Code analysis\n    capabilities: { scores: { code-analysis: 0.95 } }\n');
}
delete process.env.AISH_SERVER;
delete process.env.AISH_CONFIG;
let said = '';
process.stdout.write = () => true;
process.stderr.write = (text) => {
  said += String(text);
  return true;
};
process.exit = (status) => {
  rmSync(home, { recursive: true, force: true });
  // A warm-up line that fails has run only part of a start (the cache would hold half of it)
  // and means the bundle is broken: the build stops, saying what the line said.
  if (status) {
    writeSync(2, `code-cache: the warm-up line 'echo hi | apollo' failed with status ${status}:\n${said}`);
    process.reallyExit(1);
  }
  if (listing) writeFileSync(listing, JSON.stringify([...scripts.keys()]));
  else for (const [path, script] of scripts) writeFileSync(`${path}.cache`, script.createCachedData());
  process.reallyExit(0);
};
// The MCP SDK bundle gets its own cache, taken after one initialize and tools/list.
void (listing ? Promise.resolve() : warmMcpSdk()).then(() => bundle.exports.run([process.execPath, file, '-q', '-c', 'echo hi | apollo']));

/** The files `aish -q -c 'echo hi | apollo'` loads with no config file, listed by a run of this script in a child process. */
function startFiles() {
  const home = mkdtempSync(join(tmpdir(), 'aish-build-'));
  try {
    const list = join(home, 'files.json');
    const run = spawnSync(process.execPath, [__filename, '--list', list], { stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`listing the start files failed (status ${run.status})`);
    return JSON.parse(readFileSync(list, 'utf8'));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** The warm-up home's database, made by one run of the line in a child process (from the files: there is no pack yet). */
function makeDatabase() {
  const run = spawnSync(process.execPath, [join(__dirname, '..', 'bin', 'aish'), '-q', '-c', 'echo hi | apollo'], { env: process.env, stdio: 'ignore' });
  if (run.status !== 0) throw new Error(`making the warm-up database failed (status ${run.status})`);
}

/** dist/start-pack.cjs: each start file's source as a module function, keyed by its path under dist/. */
function writePack(files) {
  const entries = files.map((path) => `${JSON.stringify(relative(dist, path).split(sep).join('/'))}:function(exports,require,module,__filename,__dirname){${readFileSync(path, 'utf8')}\n}`);
  const text = `({${entries.join(',\n')}})\n`;
  // bin/load-bundle.cjs reads the pack as latin1 (a byte a character): esbuild writes ASCII, escaping the rest.
  const wide = /[^\x00-\x7f]/.exec(text);
  if (wide) throw new Error(`the start pack must be ASCII, and has '${wide[0]}' at ${wide.index}`);
  writeFileSync(pack, text);
}

async function warmMcpSdk() {
  const sdkFile = join(__dirname, '..', 'dist', 'vendor', 'mcp-sdk.cjs');
  const sdkScript = new Script(wrap(readFileSync(sdkFile, 'utf8')), { filename: sdkFile });
  const sdk = { exports: {} };
  sdkScript.runInThisContext()(sdk.exports, createRequire(sdkFile), sdk, sdkFile, dirname(sdkFile));
  const { server: mcp, zod } = sdk.exports;
  const server = new mcp.McpServer({ name: 'warm-up', version: '0' }, { capabilities: { tools: { listChanged: true }, prompts: {}, resources: {} } });
  server.registerTool('echo', { description: 'x', inputSchema: zod.z.object({ message: zod.z.string(), session: zod.z.string().optional() }) }, async ({ message }) => ({ content: [{ type: 'text', text: message }] }));
  server.registerPrompt('p', { argsSchema: zod.z.object({ task: zod.z.string() }) }, ({ task }) => ({ messages: [{ role: 'user', content: { type: 'text', text: task } }] }));
  server.registerResource('r', new mcp.ResourceTemplate('aish://sessions/{id}', { list: async () => ({ resources: [] }) }), {}, async (uri) => ({ contents: [{ uri: uri.href, text: '' }] }));
  const [client, end] = mcp.InMemoryTransport.createLinkedPair();
  const answers = new Map();
  client.onmessage = (message) => answers.get(message.id)?.(message);
  await server.connect(end);
  await client.start();
  const ask = (id, method, params) => new Promise((resolve) => {
    answers.set(id, resolve);
    void client.send({ jsonrpc: '2.0', id, method, params });
  });
  await ask(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'warm-up', version: '0' } });
  await client.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  await ask(2, 'tools/list', {});
  await ask(3, 'tools/call', { name: 'echo', arguments: { message: 'hi' } });
  await server.close();
  writeFileSync(`${sdkFile}.cache`, sdkScript.createCachedData());
}
