/**
 * aish as an MCP server, through the SDK's own client: `aish mcp` over stdio
 * and `/mcp` on `aish serve` over Streamable HTTP answer the same tools,
 * prompts and resources (docs/mcp.md).
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeWithConfig, startServe, type Served } from '../support/aish.js';
import { httpClient, stdioClient, texts, type ClientOptions } from './support.js';

const CONFIG = `default_model: echo
limits: { max_attempts: 1, breaker_threshold: 1, breaker_cooldown: 600 }
providers: { ollama: { base_url: "http://127.0.0.1:9" } }
specialists:
  slowpoke:
    description: Answers slowly
    model: "echo?tps=4"
    capabilities: { scores: { slowness: 0.8 } }
  flaky:
    description: Always fails
    model: ollama/nothing-here
    capabilities: { scores: { failing: 0.8 } }
`;

interface Transport {
  name: string;
  /** Whether the server can tell this client of a change outside a call (not 2025-era stateless HTTP: it keeps no stream open). */
  hearsChanges: boolean;
  connect(options?: ClientOptions): Promise<Client>;
  close(): Promise<void>;
}

/** The 2026-07-28 revision when the server offers it (the SDK probes with server/discover), else 2025's. */
const MODERN: ClientOptions = { versionNegotiation: { mode: 'auto' } };

function stdio(era: 'legacy' | 'modern'): Transport {
  const home = homeWithConfig(CONFIG);
  return {
    name: `stdio (aish mcp), ${era} era`,
    hearsChanges: true,
    connect: (options) => stdioClient(home, [], { ...(era === 'modern' && MODERN), ...options }),
    close: async () => {},
  };
}

function http(era: 'legacy' | 'modern'): Transport {
  const home = homeWithConfig(CONFIG);
  let served: Promise<Served> | undefined;
  return {
    name: `Streamable HTTP (aish serve, /mcp), ${era} era`,
    hearsChanges: era === 'modern',
    connect: async (options) => httpClient((await (served ??= startServe(home))).url, undefined, { ...(era === 'modern' && MODERN), ...options }),
    close: async () => (await served)?.stop(),
  };
}

describe.each([stdio('legacy'), stdio('modern'), http('legacy'), http('modern')])('MCP over $name', (transport) => {
  let client: Client;
  /** Each tools list the client fetched after hearing notifications/tools/list_changed. */
  const toolLists: string[][] = [];

  beforeAll(async () => {
    client = await transport.connect({
      listChanged: { tools: { debounceMs: 0, onChanged: (_error, tools) => toolLists.push((tools ?? []).map((tool) => tool.name)) } },
    });
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await transport.close();
  }, 30_000);

  it('lists a tool per specialist, described by its capabilities, and route, broadcast and run_pipeline', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['apollo', 'athena', 'slowpoke', 'flaky', 'route', 'broadcast', 'run_pipeline']));
    const apollo = tools.find((tool) => tool.name === 'apollo')!;
    expect(apollo.description).toContain('code-analysis 0.95');
    expect(Object.keys(apollo.inputSchema.properties ?? {})).toEqual(['message', 'session', 'schema']);
    expect(apollo.inputSchema.required).toEqual(['message']);
  });

  it('a specialist tool answers with the answer as text', async () => {
    const result = await client.callTool({ name: 'apollo', arguments: { message: 'hello there' } });
    expect(texts(result)).toEqual(['[apollo] hello there']);
    expect(result.isError).toBeFalsy();
  });

  it('a schema makes the answer typed: JSON text, and the value as structuredContent', async () => {
    const schema = { type: 'object', properties: { name: { type: 'string' }, born: { type: 'integer' } }, required: ['name', 'born'] };
    const result = await client.callTool({ name: 'apollo', arguments: { message: 'Ada', schema } });
    expect(result.structuredContent).toEqual({ name: 'Ada', born: 0 });
    expect(JSON.parse(texts(result)[0]!)).toEqual({ name: 'Ada', born: 0 });
    const list = await client.callTool({ name: 'apollo', arguments: { message: 'names', schema: { type: 'array', items: { type: 'string' } } } });
    expect(list.structuredContent).toEqual({ value: [] });
  });

  it('a session given by name keeps the conversation, and reads back as a Markdown resource', async () => {
    await client.callTool({ name: 'athena', arguments: { message: 'My name is Casey', session: 'mcp-notes' } });
    await client.callTool({ name: 'athena', arguments: { message: 'What is my name?', session: 'mcp-notes' } });
    const { resources } = await client.listResources();
    const notes = resources.find((resource) => resource.name === 'mcp-notes')!;
    expect(notes.uri).toMatch(/^aish:\/\/sessions\//);
    const read = await client.readResource({ uri: notes.uri });
    const text = (read.contents[0] as { text: string }).text;
    expect(text).toContain('# Session mcp-notes');
    expect(text).toContain('- messages: 4');
    expect(text).toContain('My name is Casey');
    expect(text).toContain('## athena');
  });

  it('route asks the best specialist for a capability and names who answered', async () => {
    const result = await client.callTool({ name: 'route', arguments: { capability: 'code-analysis', message: 'review this' } });
    expect(texts(result)).toEqual(['── apollo ──\n[apollo] review this']);
  });

  it('route with no specialist good enough is an error result with the code NO_MATCH', async () => {
    const result = await client.callTool({ name: 'route', arguments: { capability: 'juggling', message: 'x' } });
    expect(result.isError).toBe(true);
    expect(texts(result)[0]).toMatch(/^NO_MATCH: /);
  });

  it('broadcast answers once per specialist, in the order given, each headed by its id', async () => {
    const result = await client.callTool({ name: 'broadcast', arguments: { specialists: ['athena', 'apollo'], message: 'compare' } });
    expect(texts(result)).toEqual(['── athena ──\n[athena] compare', '── apollo ──\n[apollo] compare']);
  });

  it('broadcast to a specialist that does not exist marks that answer and the result as failed', async () => {
    const result = await client.callTool({ name: 'broadcast', arguments: { specialists: ['apollo', 'nobody'], message: 'm' } });
    expect(result.isError).toBe(true);
    expect(texts(result)[1]).toMatch(/^── nobody ──\nSPECIALIST_NOT_FOUND: /);
  });

  it('run_pipeline runs an AI line and returns its stdout and status', async () => {
    const result = await client.callTool({ name: 'run_pipeline', arguments: { line: 'echo hi | apollo | athena' } });
    expect(texts(result)).toEqual(['[athena] [apollo] hi\n', 'exit status 0']);
    const fanned = await client.callTool({ name: 'run_pipeline', arguments: { line: 'apollo,athena << "x"' } });
    expect(texts(fanned)[0]).toBe('── apollo ──\n[apollo] x\n── athena ──\n[athena] x\n');
  });

  it('run_pipeline gives its input to the first stage', async () => {
    const result = await client.callTool({ name: 'run_pipeline', arguments: { line: 'apollo "summarise"', input: 'the input text' } });
    expect(texts(result)[0]).toBe('[apollo] summarise\n\nthe input text\n');
  });

  it('run_pipeline with a name that is nothing fails with status 3 and says why', async () => {
    const result = await client.callTool({ name: 'run_pipeline', arguments: { line: 'echo hi | apolo' } });
    expect(result.isError).toBe(true);
    expect(texts(result)[1]).toContain('exit status 3');
    expect(texts(result)[1]).toContain('Did you mean: apollo?');
  });

  it('run_pipeline refuses a Unix command, naming it', async () => {
    const result = await client.callTool({ name: 'run_pipeline', arguments: { line: 'echo hi | wc -l' } });
    expect(result.isError).toBe(true);
    expect(texts(result)[0]).toMatch(/^FORBIDDEN: .*'wc' is a Unix command/);
  });

  it("each specialist's system prompt is a prompt with a task argument", async () => {
    const { prompts } = await client.listPrompts();
    const apollo = prompts.find((prompt) => prompt.name === 'apollo')!;
    expect(apollo.arguments?.map((argument) => argument.name)).toEqual(['task']);
    const got = await client.getPrompt({ name: 'apollo', arguments: { task: 'find the bug' } });
    const text = (got.messages[0]!.content as { text: string }).text;
    expect(text.endsWith('\n\nfind the bug')).toBe(true);
    expect(text.length).toBeGreaterThan('\n\nfind the bug'.length + 20);
  });

  it('an unknown tool is a protocol error (-32602); bad arguments are an error result the model can correct', async () => {
    await expect(client.callTool({ name: 'no-such-tool', arguments: {} })).rejects.toMatchObject({ code: -32602 });
    const bad = await client.callTool({ name: 'apollo', arguments: { message: 42 } });
    expect(bad.isError).toBe(true);
    expect(texts(bad)[0]).toContain('Input validation error');
  });

  it('a cancelled call stops the model call: its session never stores the exchange', async () => {
    const message = 'one two three four five six seven eight nine ten';
    const cancel = new AbortController();
    const cancelled = client.callTool({ name: 'slowpoke', arguments: { message, session: 'cut-short' } }, { signal: cancel.signal });
    setTimeout(() => cancel.abort(), 400);
    await expect(cancelled).rejects.toThrow();
    // A call started after it, at the same speed, finishes after it would have.
    await client.callTool({ name: 'slowpoke', arguments: { message, session: 'let-finish' } });
    const read = async (name: string): Promise<string> => {
      const { resources } = await client.listResources();
      const uri = resources.find((resource) => resource.name === name)!.uri;
      return ((await client.readResource({ uri })).contents[0] as { text: string }).text;
    };
    expect(await read('let-finish')).toContain('- messages: 2');
    expect(await read('cut-short')).toContain('- messages: 0');
  }, 60_000);

  it('a provider failure is an error result with its code; the specialist, now unavailable, leaves tools/list and the client is told where it can be', async () => {
    const result = await client.callTool({ name: 'flaky', arguments: { message: 'x' } });
    expect(result.isError).toBe(true);
    expect(texts(result)[0]).toMatch(/^(UNREACHABLE|PROVIDER_UNAVAILABLE|PROVIDER_ERROR): /);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).not.toContain('flaky');
    expect(names).toContain('apollo');
    if (!transport.hearsChanges) return;
    while (!toolLists.some((list) => list.includes('apollo') && !list.includes('flaky'))) await new Promise((resolve) => setTimeout(resolve, 20));
  }, 60_000);
});
