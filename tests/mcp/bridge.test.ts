/**
 * `aish mcp --server URL` is a thin bridge: the specialists, their prompts,
 * the sessions and every answer come from that server; `run_pipeline` lines
 * run here against it.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeWithConfig, startServe, tempHome, type Served } from '../support/aish.js';
import { stdioClient, texts } from './support.js';

const TOKEN = 'bridge-token-0123456789';
let served: Served;

beforeAll(async () => {
  // Only the server knows `oracle`: the bridge's own config has the built-in roster.
  served = await startServe(homeWithConfig('specialists:\n  oracle:\n    description: Knows the server\n    system: You are the server-side oracle.\n    capabilities: { scores: { foresight: 0.9 } }\n'), { AISH_TOKEN: TOKEN });
}, 60_000);

afterAll(async () => {
  await served?.stop();
});

/** Where the server's flags go: after `mcp` (its own options) or before it (the global ones). */
describe.each(['after', 'before'] as const)('aish mcp as a bridge (--server %s mcp)', (where) => {
  let client: Client;

  beforeAll(async () => {
    const flags = ['--server', served.url, '--token', TOKEN];
    client = where === 'after' ? await stdioClient(tempHome(), flags) : await stdioClient(tempHome(), [], {}, flags);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
  });

  it("lists the server's specialists and answers through it", async () => {
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('oracle');
    expect(texts(await client.callTool({ name: 'oracle', arguments: { message: 'what comes?' } }))).toEqual(['[oracle] what comes?']);
  });

  it("gives the server's system prompt as the prompt", async () => {
    const got = await client.getPrompt({ name: 'oracle', arguments: { task: 'predict' } });
    expect((got.messages[0]!.content as { text: string }).text).toBe('You are the server-side oracle.\n\npredict');
  });

  it('runs run_pipeline lines against the server', async () => {
    expect(texts(await client.callTool({ name: 'run_pipeline', arguments: { line: 'echo hi | oracle' } }))).toEqual(['[oracle] hi\n', 'exit status 0']);
  });
});
