/**
 * `--no-stream` asks the provider for one whole answer, not a stream: a fake
 * OpenAI, Anthropic or Ollama server replays the recorded non-streamed
 * transcript, and the request it got says so (`stream` absent, or `false` for
 * Ollama, which streams by default).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, fixtureReply } from '../providers/support/fixtures.js';
import { startFakeProviderServer, type FakeProviderServer } from '../providers/support/fake-provider-server.js';
import { aishC, homeWithConfig, runAish, startServe, tempHome } from '../support/aish.js';

let fake: FakeProviderServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const providers = [
  { name: 'openai', file: 'openai-chat.json', model: 'openai/gpt-4o-mini', tokens: { input: 31, output: 22 }, config: (origin: string) => `openai: { api_key: sk-test, base_url: "${origin}/v1" }` },
  { name: 'anthropic', file: 'anthropic-messages.json', model: 'anthropic/claude-haiku-4-5', tokens: { input: 21, output: 34 }, config: (origin: string) => `anthropic: { api_key: sk-ant-test, base_url: "${origin}" }` },
  { name: 'ollama', file: 'ollama-chat.json', model: 'ollama/llama3.2', tokens: { input: 33, output: 28 }, config: (origin: string) => `ollama: { base_url: "${origin}" }` },
];

function homeFor(provider: (typeof providers)[number], origin: string): string {
  return homeWithConfig(`providers:\n  ${provider.config(origin)}\ndefault_model: ${provider.model}\n`);
}

describe('--no-stream', () => {
  for (const provider of providers) {
    it(`asks ${provider.name} for a whole answer and prints the JSON transcript's text`, async () => {
      fake = await startFakeProviderServer(fixtureReply(provider.file));
      const result = await aishC('echo x | apollo --no-stream', { home: homeFor(provider, fake.origin) });
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(fixture(provider.file).expectedText + '\n');
      expect(result.status).toBe(0);
      const sent = JSON.parse(fake.requests[0]!.body) as Record<string, unknown>;
      if (provider.name === 'ollama') expect(sent.stream).toBe(false);
      else expect(sent).not.toHaveProperty('stream');
      expect(sent).not.toHaveProperty('stream_options');
    });

    it(`reads ${provider.name}'s usage and finish reason from the whole answer`, async () => {
      fake = await startFakeProviderServer(fixtureReply(provider.file));
      const result = await aishC('echo x | apollo --no-stream --json', { home: homeFor(provider, fake.origin) });
      const answer = JSON.parse(result.stdout) as { content: string; tokens_used: unknown; finish_reason: string };
      expect(answer.content).toBe(fixture(provider.file).expectedText);
      expect(answer.tokens_used).toEqual(provider.tokens);
      expect(answer.finish_reason).toBe('stop');
    });
  }

  it('a streamed call still asks for a stream', async () => {
    fake = await startFakeProviderServer(fixtureReply('openai-chat-stream.sse'));
    await aishC('echo x | apollo', { home: homeFor(providers[0]!, fake.origin) });
    expect(JSON.parse(fake.requests[0]!.body)).toMatchObject({ stream: true });
  });

  it('--no-stream through aish serve --server, in a session too, reaches the provider', async () => {
    fake = await startFakeProviderServer(fixtureReply('ollama-chat.json'));
    const server = await startServe(homeFor(providers[2]!, fake.origin));
    try {
      const home = tempHome();
      const plain = await runAish(['--server', server.url, '-c', 'echo x | apollo --no-stream'], { home });
      expect(plain.stdout).toBe(fixture('ollama-chat.json').expectedText + '\n');
      const session = await runAish(['--server', server.url, '-c', 'echo x | apollo --no-stream --session s1'], { home });
      expect(session.stdout).toBe(fixture('ollama-chat.json').expectedText + '\n');
      expect(fake.requests.map((request) => (JSON.parse(request.body) as { stream: boolean }).stream)).toEqual([false, false]);
    } finally {
      await server.stop();
    }
  });
});
