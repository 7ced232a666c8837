/**
 * Specialists that use tools, end to end: the real `bin/aish` with the echo model
 * (whose `CALL SERVER.TOOL {json}` lines are tool calls) against real MCP servers
 * from npm that no one here wrote, started as a user would start them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { aishC, homeWithConfig, runAish, startServe } from '../support/aish.js';

const require = createRequire(import.meta.url);
const packageBin = (name: string): string => resolve(require.resolve(`${name}/package.json`), '..', 'dist', 'index.js');
const EVERYTHING = packageBin('@modelcontextprotocol/server-everything');
const FILESYSTEM = packageBin('@modelcontextprotocol/server-filesystem');

/** A home whose config has the two servers and `apollo` allowed `tools`; `extra` goes at the top level. */
function toolHome(tools: string, extra = ''): { home: string; root: string } {
  const home = homeWithConfig('');
  const root = join(home, 'project');
  mkdirSync(root);
  writeFileSync(join(root, 'README.md'), '# the project\n');
  writeFileSync(join(home, 'secret.txt'), 'do not read\n');
  const config = `default_model: echo
${extra}
mcp_servers:
  files: { command: node, args: [${JSON.stringify(FILESYSTEM)}, ${JSON.stringify(root)}] }
  everything: { command: node, args: [${JSON.stringify(EVERYTHING)}] }
specialists:
  apollo:
    tools: ${tools}
`;
  writeFileSync(join(home, '.config', 'aish', 'config.yaml'), config);
  return { home, root };
}

const toolLines = (stderr: string): string[] => stderr.split('\n').filter((line) => line.includes(' → '));

describe('a specialist with tools from server-filesystem', () => {
  it('reads a file it is allowed to, cannot read outside its root, and is refused a tool not in its list', { timeout: 60_000 }, async () => {
    const { home, root } = toolHome('[files.read_text_file, files.list_directory]');
    const message = [
      `CALL files.read_text_file {"path": ${JSON.stringify(join(root, 'README.md'))}}`,
      `CALL files.read_text_file {"path": ${JSON.stringify(join(home, 'secret.txt'))}}`,
      `CALL files.write_file {"path": ${JSON.stringify(join(root, 'x'))}, "content": "x"}`,
      'that is all',
    ].join('\n');
    const result = await aishC('apollo', { home, stdin: message });
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('[apollo] # the project');
    expect(lines[1]).toMatch(/denied|outside allowed directories/i);
    expect(result.stdout).not.toContain('do not read');
    expect(result.stdout).toContain(`tool files.write_file is not allowed for apollo\nthat is all`);
    expect(toolLines(result.stderr)).toEqual([
      `aish: apollo → files.read_text_file {"path":${JSON.stringify(join(root, 'README.md'))}}`,
      `aish: apollo → files.read_text_file {"path":${JSON.stringify(join(home, 'secret.txt'))}}`,
      `aish: apollo → files.write_file {"path":${JSON.stringify(join(root, 'x'))},"content":"x"}`,
    ]);
    // The server's stderr went to its log, not the terminal.
    expect(result.stderr).not.toContain('Secure MCP Filesystem Server');
    expect(readFileSync(join(home, '.local', 'state', 'aish', 'mcp-files.log'), 'utf8')).toContain('Secure MCP Filesystem Server');
  });

  it('shows the calls with -q hidden, offers no tools with --no-tools, and narrows with --tools', { timeout: 60_000 }, async () => {
    const { home, root } = toolHome('[files.*]');
    const call = `CALL files.read_text_file {"path": ${JSON.stringify(join(root, 'README.md'))}}`;
    const quiet = await runAish(['-q', '-c', 'apollo'], { home, stdin: call });
    expect(quiet.stdout).toBe('[apollo] # the project\n');
    expect(quiet.stderr).toBe('');
    const none = await aishC('apollo --no-tools', { home, stdin: call });
    expect(none.stdout).toBe(`[apollo] ${call}\n`);
    expect(toolLines(none.stderr)).toEqual([]);
    const narrowed = await aishC('apollo --tools files.list_directory', { home, stdin: call });
    expect(narrowed.stdout).toBe('[apollo] tool files.read_text_file is not allowed for apollo\n');
  });
});

describe('a specialist with tools from server-everything', () => {
  it('calls several tools at once; a failing tool and a slow one past tool_timeout go back to the model as errors', { timeout: 60_000 }, async () => {
    const { home } = toolHome('[everything.*]', 'limits: { tool_timeout: 1 }');
    const message = [
      'CALL everything.echo {"message": "hello"}',
      'CALL everything.get-sum {"a": 2, "b": 3}',
      'CALL everything.get-sum {"a": "two"}',
      'CALL everything.trigger-long-running-operation {"duration": 30, "steps": 3}',
    ].join('\n');
    const result = await aishC('apollo', { home, stdin: message });
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('[apollo] Echo: hello');
    expect(lines[1]).toMatch(/5/);
    expect(result.stdout).toMatch(/Input validation error|expected number/);
    expect(result.stdout).toContain('everything.trigger-long-running-operation timed out after 1 s');
    expect(toolLines(result.stderr)).toHaveLength(4);
    const history = await runAish(['history', '--json', '--limit', '1'], { home });
    const [exchange] = (JSON.parse(history.stdout) as { exchanges: { tool_calls: { name: string; status: string; bytes: number }[] }[] }).exchanges;
    expect(exchange!.tool_calls.map((call) => [call.name, call.status]).sort()).toEqual([
      ['everything.echo', 'ok'],
      ['everything.get-sum', 'error'],
      ['everything.get-sum', 'ok'],
      ['everything.trigger-long-running-operation', 'timeout'],
    ]);
    const shown = await runAish(['history', 'show', '1'], { home });
    expect(shown.stdout).toMatch(/── tool calls ──\neverything\.\S+ \{.*\}  (ok|error|timeout), \d+ B, \d+ ms\n/);
  });

  it('stops after max_tool_rounds: the next request for tools fails the call with status 1', { timeout: 60_000 }, async () => {
    const { home } = toolHome('[everything.echo]', 'limits: { max_tool_rounds: 0 }');
    const result = await aishC('apollo', { home, stdin: 'CALL everything.echo {"message": "x"}' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('aish: apollo: stopped after 0 tool rounds');
  });

  it('shows the same calls and answer through aish serve (--server)', { timeout: 60_000 }, async () => {
    const { home } = toolHome('[everything.echo]');
    const served = await startServe(home);
    try {
      const result = await runAish(['--server', served.url, '-c', 'apollo'], { home, stdin: 'CALL everything.echo {"message": "over the wire"}\nthanks' });
      expect(result.status).toBe(0);
      expect(result.stdout).toBe('[apollo] Echo: over the wire\nthanks\n');
      expect(toolLines(result.stderr)).toEqual(['aish: apollo → everything.echo {"message":"over the wire"}']);
    } finally {
      await served.stop();
    }
  });
});

/** A free loopback port (listened on, then let go). */
function freePort(): Promise<number> {
  return new Promise((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

describe('a server at a url (Streamable HTTP)', () => {
  it('is connected to over HTTP, and its tools are called as a started one\'s', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const server = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      await new Promise<void>((done, fail) => {
        let text = '';
        server.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
          if (text.includes('listening on port')) done();
        });
        server.once('exit', () => fail(new Error(`server-everything exited: ${text}`)));
      });
      const home = homeWithConfig(`default_model: echo
mcp_servers:
  remote: { url: "http://127.0.0.1:${port}/mcp", headers: { X-Team: "\${TEAM}" } }
specialists:
  apollo: { tools: [remote.echo] }
`);
      const result = await aishC('apollo', { home, stdin: 'CALL remote.echo {"message": "over http"}', env: { TEAM: 'blue' } });
      expect(result.stderr).toContain('aish: apollo → remote.echo {"message":"over http"}');
      expect(result.stdout).toBe('[apollo] Echo: over http\n');
      expect(result.status).toBe(0);
    } finally {
      server.kill();
    }
  });

  it('one that cannot be reached is named, exit 2', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const home = homeWithConfig(`default_model: echo\nmcp_servers:\n  remote: { url: "http://127.0.0.1:${port}/mcp" }\nspecialists:\n  apollo: { tools: [remote.*] }\n`);
    const result = await aishC('apollo', { home, stdin: 'hello' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`aish: mcp server remote cannot be reached: http://127.0.0.1:${port}/mcp: `);
  });
});

describe('an MCP server that fails', () => {
  it('one that will not start is named with its status and last words: exit 2', { timeout: 60_000 }, async () => {
    const home = homeWithConfig(`default_model: echo
mcp_servers:
  broken: { command: node, args: [-e, "process.stderr.write('cannot open the index\\\\n'); process.exit(3)"] }
specialists:
  apollo: { tools: [broken.*] }
`);
    const result = await aishC('apollo', { home, stdin: 'hello' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('aish: mcp server broken exited (status 3): cannot open the index');
  });

  it('a tool pattern naming no configured server is a config error', { timeout: 60_000 }, async () => {
    const home = homeWithConfig('specialists:\n  apollo: { tools: [nowhere.read] }\n');
    const result = await aishC('apollo', { home, stdin: 'hello' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('specialists.apollo.tools[0]: no MCP server named "nowhere"');
  });
});

describe('aish mcp list', () => {
  it('shows each configured server, whether it starts, and its tools; --json as one document; 2 when one does not start', { timeout: 60_000 }, async () => {
    const { home } = toolHome('[everything.echo]');
    const text = await runAish(['mcp', 'list'], { home });
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^files {2}node \S+ \S+ {2}started, \d+ tools$/m);
    expect(text.stdout).toMatch(/^ {2}everything\.echo +Echoes back the input string$/m);
    const json = await runAish(['mcp', 'list', '--json'], { home });
    const { servers } = JSON.parse(json.stdout) as { servers: { name: string; started: boolean; tools: { name: string }[] }[] };
    expect(servers.map((server) => [server.name, server.started])).toEqual([['files', true], ['everything', true]]);
    expect(servers[0]!.tools.map((tool) => tool.name)).toContain('files.read_text_file');
    const broken = homeWithConfig('mcp_servers:\n  gone: { command: no-such-mcp-server-here }\n');
    const failed = await runAish(['mcp', 'list'], { home: broken });
    expect(failed.status).toBe(2);
    expect(failed.stdout).toContain('gone  no-such-mcp-server-here  did not start: mcp server gone exited (status 127): cannot run "no-such-mcp-server-here": no such command');
  });
});

describe('tools and aish mcp', () => {
  it("an MCP client's run_pipeline cannot widen a specialist's tools with --tools", { timeout: 60_000 }, async () => {
    const { stdioClient, texts } = await import('../mcp/support.js');
    const { home } = toolHome('[everything.echo]');
    const client = await stdioClient(home);
    try {
      const call = 'CALL everything.get-sum {"a": 1, "b": 2}';
      const widened = await client.callTool({ name: 'run_pipeline', arguments: { line: 'apollo --tools everything.get-sum', input: call } });
      expect(texts(widened as never).join('')).toContain(`[apollo] ${call}`);
      const allowed = await client.callTool({ name: 'run_pipeline', arguments: { line: 'apollo', input: 'CALL everything.echo {"message": "fine"}' } });
      expect(texts(allowed as never).join('')).toContain('[apollo] Echo: fine');
    } finally {
      await client.close();
    }
  });
});
