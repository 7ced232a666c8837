/**
 * Tool calling end to end through each real provider adapter: the real
 * `bin/aish`, a fake provider server replaying the recorded tool-call
 * transcripts (tests/fixtures/providers), and a real MCP server from npm
 * (`@modelcontextprotocol/server-filesystem`) started as a user would. The
 * model's two calls run on the server, and their results go back to the
 * provider in its own format in the next request.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, fixtureReply } from '../providers/support/fixtures.js';
import { startFakeProviderServer, type FakeProviderServer } from '../providers/support/fake-provider-server.js';
import { aishC, homeWithConfig } from '../support/aish.js';

const require = createRequire(import.meta.url);
const FILESYSTEM = resolve(require.resolve('@modelcontextprotocol/server-filesystem/package.json'), '..', 'dist', 'index.js');

/** The question the transcripts answer, and the files the calls read. */
const QUESTION = 'Which notes do I have, and what does my résumé say?';
const RESUME = '# Ada Lovelace — mathematician\nWrote the first published algorithm.';

let fake: FakeProviderServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

interface ProviderCase {
  name: 'openai' | 'anthropic' | 'ollama';
  /** The first turn (two calls) and the answer after the results. */
  calls: string;
  answer: string;
  /** config.yaml lines pointing aish at the fake server. */
  config(origin: string): string;
  /** The results in the follow-up request body, in call order, as the provider carries them. */
  results(body: Record<string, unknown>): { id?: string; name?: string; content: string }[];
  /** The names of the tools the first request offered. */
  offered(body: Record<string, unknown>): string[];
}

type Message = Record<string, unknown>;

const cases: ProviderCase[] = [
  {
    name: 'openai',
    calls: 'openai-chat-tools-stream.sse',
    answer: 'openai-chat-tools-followup-stream.sse',
    config: (origin) => `providers:\n  openai: { api_key: sk-test, base_url: "${origin}/v1" }\ndefault_model: openai/gpt-4o-mini\n`,
    results: (body) => (body.messages as Message[]).filter((message) => message.role === 'tool').map((message) => ({ id: message.tool_call_id as string, content: message.content as string })),
    offered: (body) => (body.tools as { function: { name: string } }[]).map((tool) => tool.function.name),
  },
  {
    name: 'anthropic',
    calls: 'anthropic-messages-tools-stream.sse',
    answer: 'anthropic-messages-tools-followup-stream.sse',
    config: (origin) => `providers:\n  anthropic: { api_key: sk-ant-test, base_url: "${origin}" }\ndefault_model: anthropic/claude-sonnet-4-5\n`,
    results: (body) =>
      ((body.messages as Message[]).at(-1)!.content as Message[])
        .filter((block) => block.type === 'tool_result')
        .map((block) => ({ id: block.tool_use_id as string, content: block.content as string })),
    offered: (body) => (body.tools as { name: string }[]).map((tool) => tool.name),
  },
  {
    name: 'ollama',
    calls: 'ollama-chat-tools-stream.ndjson',
    answer: 'ollama-chat-tools-followup-stream.ndjson',
    config: (origin) => `providers:\n  ollama: { base_url: "${origin}" }\ndefault_model: ollama/llama3.1\n`,
    results: (body) => (body.messages as Message[]).filter((message) => message.role === 'tool').map((message) => ({ name: message.tool_name as string, content: message.content as string })),
    offered: (body) => (body.tools as { function: { name: string } }[]).map((tool) => tool.function.name),
  },
];

/** A home with notes to read, the filesystem server rooted at them, and apollo allowed two of its tools. */
function toolHome(providerConfig: string): string {
  const home = homeWithConfig('');
  const root = join(home, 'project');
  mkdirSync(join(root, 'notes'), { recursive: true });
  writeFileSync(join(root, 'notes', 'résumé.md'), RESUME);
  writeFileSync(join(root, 'notes', 'todo.md'), '- write the notes\n');
  writeFileSync(
    join(home, '.config', 'aish', 'config.yaml'),
    `${providerConfig}mcp_servers:\n  files: { command: node, args: [${JSON.stringify(FILESYSTEM)}, ${JSON.stringify(root)}] }\nspecialists:\n  apollo:\n    tools: [files.list_directory, files.read_text_file]\n`,
  );
  return home;
}

describe.each(cases)('$name: the recorded tool calls run on server-filesystem and their results go back', (provider) => {
  it('answers with the text of the follow-up after sending both results in the provider’s format', { timeout: 60_000 }, async () => {
    fake = await startFakeProviderServer((request) => fixtureReply(fake!.requests.indexOf(request) === 0 ? provider.calls : provider.answer), 'bytes');
    const home = toolHome(provider.config(fake.origin));
    const result = await aishC(`apollo ${JSON.stringify(QUESTION)}`, { home });
    expect(result.stderr).toContain('aish: apollo → files.list_directory {"path":"notes"}');
    expect(result.stderr).toContain('aish: apollo → files.read_text_file {"path":"notes/résumé.md"}');
    expect(result.status).toBe(0);
    expect(result.stdout.endsWith(`${fixture(provider.answer).expectedText}\n`)).toBe(true);
    expect(fake.requests).toHaveLength(2);

    const [first, second] = fake.requests.map((request) => JSON.parse(request.body) as Record<string, unknown>);
    expect(provider.offered(first!).sort()).toEqual(['files__list_directory', 'files__read_text_file']);
    const calls = fixture(provider.calls).expectedToolCalls!;
    const results = provider.results(second!);
    expect(results).toHaveLength(2);
    // What the real server answered, in the order of the calls, each naming its call.
    expect(results[0]!.content.split('\n').sort()).toEqual(['[FILE] résumé.md', '[FILE] todo.md']);
    expect(results[1]!.content).toBe(RESUME);
    if (provider.name === 'ollama') expect(results.map((entry) => entry.name)).toEqual(calls.map((call) => call.name));
    else expect(results.map((entry) => entry.id)).toEqual(calls.map((call) => call.id));
  });
});
