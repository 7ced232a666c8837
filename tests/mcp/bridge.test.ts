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
  served = await startServe(
    homeWithConfig(`limits: { max_attempts: 1, breaker_threshold: 1, breaker_cooldown: 600 }
providers: { ollama: { base_url: "http://127.0.0.1:9" } }
specialists:
  oracle:
    description: Knows the server
    system: You are the server-side oracle.
    capabilities: { scores: { foresight: 0.9 } }
  flaky:
    description: Always fails
    model: ollama/nothing-here
    capabilities: { scores: { failing: 0.8 } }
`),
    { AISH_TOKEN: TOKEN },
  );
}, 60_000);

afterAll(async () => {
  await served?.stop();
});

/** Where the server's flags go: after `mcp` (its own options) or before it (the global ones). */
describe.each(['after', 'before'] as const)('aish mcp as a bridge (--server %s mcp)', (where) => {
  let client: Client;
  const toolLists: string[][] = [];

  beforeAll(async () => {
    const flags = ['--server', served.url, '--token', TOKEN];
    const options = { listChanged: { tools: { debounceMs: 0, onChanged: (_error: Error | null, tools: { name: string }[] | null) => toolLists.push((tools ?? []).map((tool) => tool.name)) } } };
    client = where === 'after' ? await stdioClient(tempHome(), flags, options) : await stdioClient(tempHome(), [], options, flags);
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

  it("hears the server's status changes: a specialist that fails leaves tools/list and the client is told", async () => {
    if (where === 'after') {
      const result = await client.callTool({ name: 'flaky', arguments: { message: 'x' } });
      expect(result.isError).toBe(true);
    }
    // (The second bridge starts after the first made flaky unavailable: it never lists it.)
    if (where === 'after') while (!toolLists.some((list) => list.includes('oracle') && !list.includes('flaky'))) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain('flaky');
  }, 60_000);

  it('runs run_pipeline lines against the server', async () => {
    expect(texts(await client.callTool({ name: 'run_pipeline', arguments: { line: 'echo hi | oracle' } }))).toEqual(['[oracle] hi\n', 'exit status 0']);
  });
});
