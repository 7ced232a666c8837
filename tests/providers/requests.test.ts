import { afterEach, describe, expect, it } from 'vitest';
import { MockAgent } from 'undici';
import { createModel } from '../../src/providers/index.js';
import { createAnthropicModel } from '../../src/providers/anthropic/language-model.js';
import { createOpenAiModel } from '../../src/providers/openai/language-model.js';
import { collect } from './support/collect.js';
import { startFakeProviderServer, type FakeProviderServer } from './support/fake-provider-server.js';
import { fixture, fixtureReply } from './support/fixtures.js';
import { providerCases } from './support/provider-cases.js';

let server: FakeProviderServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each(providerCases)('the request sent to $name', (provider) => {
  it('has the path, headers and body the recorded transcript was answered for', async () => {
    server = await startFakeProviderServer(fixtureReply(provider.streamFixture));
    await collect(provider.model(server.origin), provider.request);
    const recorded = fixture(provider.streamFixture).request;
    const sent = server.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe(recorded.path);
    for (const [name, value] of Object.entries(recorded.headers)) expect(sent.headers[name.toLowerCase()]).toBe(value);
    // Ollama streams by default; aish says `stream: true` anyway.
    const expected = provider.name === 'ollama' ? { ...recorded.body, stream: true } : recorded.body;
    expect(JSON.parse(sent.body)).toEqual(expected);
  });
});

const conversation = {
  system: 'Be brief.',
  messages: [
    { role: 'user' as const, content: 'hi' },
    { role: 'assistant' as const, content: 'hello' },
    { role: 'user' as const, content: 'and?' },
  ],
  temperature: 0.2,
  maxTokens: 50,
  caller: 'apollo',
};

describe('where each API wants the system prompt and options', () => {
  it('openai: system is the first message; temperature and max_tokens are passed; no key, no Authorization', async () => {
    const sent = await sentBodyAt('openai', conversation);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      model: 'qwen2.5',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: 'and?' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_tokens: 50,
    });
  });

  it('anthropic: system is top level, max_tokens given; x-api-key and anthropic-version, no Authorization', async () => {
    const sent = await sentBodyAt('anthropic', conversation);
    expect(sent.headers['x-api-key']).toBe('sk-ant-test');
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 50,
      stream: true,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: 'and?' },
      ],
      temperature: 0.2,
    });
  });

  it('anthropic: max_tokens is 4096 when the request does not say (the API requires it)', async () => {
    const sent = await sentBodyAt('anthropic', { messages: [{ role: 'user', content: 'hi' }], caller: 'x' });
    expect(sent.body.max_tokens).toBe(4096);
    expect(sent.body).not.toHaveProperty('system');
  });

  it('ollama: system is the first message; options carry temperature and num_predict', async () => {
    const sent = await sentBodyAt('ollama', conversation);
    expect(sent.body).toEqual({
      model: 'llama3.1:8b',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: 'and?' },
      ],
      stream: true,
      options: { temperature: 0.2, num_predict: 50 },
    });
  });
});

async function sentBodyAt(provider: 'openai' | 'anthropic' | 'ollama', request: Parameters<typeof collect>[1]) {
  server = await startFakeProviderServer({ status: 500, headers: [], body: Buffer.alloc(0) });
  const models = {
    openai: () => createModel('openai/qwen2.5', { openai: { base_url: `${server!.origin}/v1/` } })!,
    anthropic: () => createModel('anthropic/claude-sonnet-4-5', { anthropic: { api_key: 'sk-ant-test', base_url: server!.origin } })!,
    ollama: () => createModel('ollama/llama3.1:8b', { ollama: { base_url: server!.origin } })!,
  };
  await collect(models[provider](), request);
  const sent = server.requests[0]!;
  return { headers: sent.headers, body: JSON.parse(sent.body) as Record<string, unknown> };
}

describe('API keys', () => {
  /** A dispatcher that refuses every request, so a test can tell none was made. */
  function noNetwork(): MockAgent {
    const agent = new MockAgent();
    agent.disableNetConnect();
    return agent;
  }

  it('openai with no key is an error part, and no request is made', async () => {
    const model = createOpenAiModel({ reference: 'openai/gpt-4o-mini', model: 'gpt-4o-mini', dispatcher: noNetwork() });
    expect(await collect(model, { messages: [{ role: 'user', content: 'hi' }], caller: 'x' })).toEqual([
      { type: 'error', code: 'PROVIDER_ERROR', message: 'no API key for openai (set providers.openai.api_key or OPENAI_API_KEY)', retryable: false },
    ]);
  });

  it('anthropic with no key is an error part, and no request is made', async () => {
    const model = createAnthropicModel({ reference: 'anthropic/claude-sonnet-4-5', model: 'claude-sonnet-4-5', dispatcher: noNetwork() });
    expect(await collect(model, { messages: [{ role: 'user', content: 'hi' }], caller: 'x' })).toEqual([
      { type: 'error', code: 'PROVIDER_ERROR', message: 'no API key for anthropic (set providers.anthropic.api_key or ANTHROPIC_API_KEY)', retryable: false },
    ]);
  });

  it('an empty key (an unset ${VARIABLE} in the config) counts as no key', async () => {
    const parts = await collect(createModel('openai/gpt-4o-mini', { openai: { api_key: '' } })!, { messages: [{ role: 'user', content: 'hi' }], caller: 'x' });
    expect(parts).toEqual([expect.objectContaining({ message: 'no API key for openai (set providers.openai.api_key or OPENAI_API_KEY)' })]);
  });

  it('openai sends the key as a bearer token', async () => {
    server = await startFakeProviderServer(fixtureReply('openai-chat-stream.sse'));
    await collect(createModel('openai/gpt-4o-mini', { openai: { api_key: 'sk-1', base_url: `${server.origin}/v1` } })!, { messages: [{ role: 'user', content: 'hi' }], caller: 'x' });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-1');
  });
});

describe('createModel', () => {
  it('knows echo, openai/…, anthropic/… and ollama/… and nothing else', () => {
    expect(createModel('echo')?.reference).toBe('echo');
    expect(createModel('echo?ttft_ms=5&tps=100')?.reference).toBe('echo?ttft_ms=5&tps=100');
    expect(createModel('openai/gpt-4o-mini')?.reference).toBe('openai/gpt-4o-mini');
    expect(createModel('anthropic/claude-sonnet-4-5')?.reference).toBe('anthropic/claude-sonnet-4-5');
    expect(createModel('ollama/llama3.1')?.reference).toBe('ollama/llama3.1');
    for (const reference of ['', 'echoes', 'gpt-4o', 'openai', 'openai/', '/gpt-4o', 'mistral/large', 'auto']) expect(createModel(reference)).toBeUndefined();
  });

  it('keeps everything after the first slash as the model name (slashes and tags included)', async () => {
    server = await startFakeProviderServer(fixtureReply('openai-chat-stream.sse'));
    await collect(createModel('openai/meta-llama/Llama-3.1-8B-Instruct:free', { openai: { base_url: `${server.origin}/v1` } })!, { messages: [{ role: 'user', content: 'hi' }], caller: 'x' });
    expect(JSON.parse(server.requests[0]!.body).model).toBe('meta-llama/Llama-3.1-8B-Instruct:free');
  });
});

describe('OpenAI’s own service', () => {
  it('gets max_completion_tokens (max_tokens is deprecated there) at https://api.openai.com/v1/chat/completions', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    let sent: { path: string; headers: unknown; body: string } | undefined;
    agent
      .get('https://api.openai.com')
      .intercept({ path: '/v1/chat/completions', method: 'POST' })
      .reply((options) => {
        sent = { path: options.path, headers: options.headers, body: String(options.body) };
        return { statusCode: 200, data: fixtureReply('openai-chat-stream.sse').body, responseOptions: { headers: { 'content-type': 'text/event-stream' } } };
      });
    const model = createOpenAiModel({ reference: 'openai/o4-mini', model: 'o4-mini', apiKey: 'sk-real', dispatcher: agent });
    const parts = await collect(model, { messages: [{ role: 'user', content: 'hi' }], maxTokens: 99, caller: 'x' });
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    const body = JSON.parse(sent!.body) as Record<string, unknown>;
    expect(body.max_completion_tokens).toBe(99);
    expect(body).not.toHaveProperty('max_tokens');
    expect(JSON.stringify(sent!.headers)).toContain('Bearer sk-real');
  });
});
