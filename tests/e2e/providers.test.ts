/**
 * Real providers from the real CLI: a fake OpenAI, Anthropic or Ollama server
 * replays a recorded transcript, and the config points aish at it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  { name: 'openai', file: 'openai-chat-stream.sse', model: 'openai/gpt-4o-mini', config: (origin: string) => `openai: { api_key: sk-test, base_url: "${origin}/v1" }` },
  { name: 'anthropic', file: 'anthropic-messages-stream.sse', model: 'anthropic/claude-sonnet-4-5', config: (origin: string) => `anthropic: { api_key: sk-ant-test, base_url: "${origin}" }` },
  { name: 'ollama', file: 'ollama-chat-stream.ndjson', model: 'ollama/llama3.1', config: (origin: string) => `ollama: { base_url: "${origin}" }` },
];

describe('real providers through the CLI', () => {
  for (const provider of providers) {
    it(`echo x | apollo streams the ${provider.name} transcript's text`, async () => {
      fake = await startFakeProviderServer(fixtureReply(provider.file), 'bytes');
      const home = homeWithConfig(`providers:\n  ${provider.config(fake.origin)}\ndefault_model: ${provider.model}\n`);
      const result = await aishC('echo x | apollo', { home });
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(fixture(provider.file).expectedText + '\n');
      expect(result.status).toBe(0);
      const sent = JSON.parse(fake.requests[0]!.body);
      expect(JSON.stringify(sent)).toContain('x\\n');
    });
  }

  it('a provider 401 is one clear line and exit 1', async () => {
    fake = await startFakeProviderServer({
      status: 401,
      headers: [['content-type', 'application/json']],
      body: Buffer.from(JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } })),
    });
    const home = homeWithConfig(`providers:\n  openai: { api_key: sk-wrong, base_url: "${fake.origin}/v1" }\ndefault_model: openai/gpt-4o-mini\n`);
    const result = await aishC('echo x | apollo', { home });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^aish: apollo: provider rejected the API key \(openai, 401\)/m);
    expect(result.stdout).toBe('');
  });

  it('the same through aish serve --config and --server', async () => {
    fake = await startFakeProviderServer(fixtureReply('ollama-chat-stream.ndjson'));
    const home = homeWithConfig(`providers:\n  ollama: { base_url: "${fake.origin}" }\ndefault_model: ollama/llama3.1\n`);
    const server = await startServe(home);
    try {
      const url = server.url;
      const result = await runAish(['--server', url, '-c', 'echo x | apollo'], { home: tempHome() });
      expect(result.stdout).toBe(fixture('ollama-chat-stream.ndjson').expectedText + '\n');
      expect(result.stderr).toBe('');
    } finally {
      await server.stop();
    }
  });

  it('a config mistake names the file, line and key, and exits 1', async () => {
    const home = homeWithConfig('specialists:\n  apollo:\n    capabilities:\n      scores: { code-analysis: high }\n');
    const result = await aishC('echo x | apollo', { home });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('config.yaml:4: specialists.apollo.capabilities.scores.code-analysis: expected a number from 0 to 1, got "high"');
  });

  it('a specialist defined in a Markdown file answers', async () => {
    const home = tempHome();
    mkdirSync(join(home, '.config', 'aish', 'specialists'), { recursive: true });
    writeFileSync(join(home, '.config', 'aish', 'specialists', 'poet.md'), '---\nmodel: echo\ndescription: Writes verse\ncapabilities: { scores: { poetry: 0.9 } }\n---\nYou write short poems.\n');
    expect((await aishC('echo roses | poet', { home })).stdout).toBe('[poet] roses\n');
    expect((await aishC('@poetry << "x"', { home })).stdout).toBe('[poet] x\n');
  });
});
