/**
 * The MCP Inspector (a client no one here wrote), in its command-line mode,
 * against `aish mcp` over stdio and `/mcp` on `aish serve` over Streamable
 * HTTP: `tools/list` and `tools/call`, as docs/mcp.md shows them.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AISH, startServe, tempHome, testEnv, type Served } from '../support/aish.js';

const INSPECTOR = resolve(import.meta.dirname, '../../node_modules/.bin/mcp-inspector');
const TOKEN = 'inspector-token-0123456789';
const run = promisify(execFile);

let home: string;
let served: Served;

beforeAll(async () => {
  home = tempHome();
  served = await startServe(home, { AISH_TOKEN: TOKEN });
}, 60_000);

afterAll(async () => {
  await served?.stop();
});

/** What the inspector prints (JSON) for these arguments. */
async function inspector(args: string[]): Promise<unknown> {
  const { stdout } = await run(INSPECTOR, ['--cli', ...args], { cwd: home, env: testEnv(home), timeout: 60_000 });
  return JSON.parse(stdout);
}

const TRANSPORTS: [string, () => string[]][] = [
  ['stdio (aish mcp)', () => [AISH, 'mcp']],
  ['Streamable HTTP (aish serve, /mcp, with the token)', () => [`${served.url}/mcp`, '--transport', 'http', '--header', `Authorization: Bearer ${TOKEN}`]],
];

describe.each(TRANSPORTS)('the MCP Inspector CLI over %s', (_name, target) => {
  it('lists the tools', async () => {
    const listed = (await inspector([...target(), '--method', 'tools/list'])) as { tools: { name: string }[] };
    expect(listed.tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['apollo', 'athena', 'route', 'broadcast', 'run_pipeline']));
  }, 60_000);

  it('calls a specialist and run_pipeline', async () => {
    expect(await inspector([...target(), '--method', 'tools/call', '--tool-name', 'apollo', '--tool-arg', 'message=hello'])).toEqual({ content: [{ type: 'text', text: '[apollo] hello' }] });
    const ran = (await inspector([...target(), '--method', 'tools/call', '--tool-name', 'run_pipeline', '--tool-arg', 'line=echo hi | athena'])) as { content: { text: string }[] };
    expect(ran.content.map((content) => content.text)).toEqual(['[athena] hi\n', 'exit status 0']);
  }, 60_000);
});
