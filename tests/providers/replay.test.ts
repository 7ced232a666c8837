import { afterEach, describe, expect, it } from 'vitest';
import type { ModelPart } from '../../src/providers/index.js';
import { collect, errorOf, textOf } from './support/collect.js';
import { startFakeProviderServer, type FakeProviderServer } from './support/fake-provider-server.js';
import { fixture, fixtureReply } from './support/fixtures.js';
import { providerCases } from './support/provider-cases.js';
import { pacings } from './support/pieces.js';

let server: FakeProviderServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});


describe.each(providerCases)('the $name adapter replaying its recorded stream', (provider) => {
  const expectedText = fixture(provider.streamFixture).expectedText!;

  it.each(pacings(provider.streamFixture))('gives the exact text, usage and finish when the body comes %s', async (_, pacing) => {
    server = await startFakeProviderServer(fixtureReply(provider.streamFixture), pacing);
    const parts = await collect(provider.model(server.origin), provider.request);
    expect(textOf(parts)).toBe(expectedText);
    expect(parts.slice(-2)).toEqual([
      { type: 'usage', ...provider.usage },
      { type: 'finish', reason: 'stop' },
    ]);
    expect(parts.slice(0, -2).every((part) => part.type === 'text-delta')).toBe(true);
  });

  it('gives the same parts however the body is cut', async () => {
    const runs: ModelPart[][] = [];
    for (const [, pacing] of pacings(provider.streamFixture)) {
      server = await startFakeProviderServer(fixtureReply(provider.streamFixture), pacing);
      runs.push(await collect(provider.model(server.origin), provider.request));
      await server.close();
      server = undefined;
    }
    for (const run of runs.slice(1)) expect(run).toEqual(runs[0]);
  });

  it.each(pacings(provider.midstreamErrorFixture))('keeps the text before a mid-stream error, then ends with it (body %s)', async (_, pacing) => {
    const file = provider.midstreamErrorFixture;
    server = await startFakeProviderServer(fixtureReply(file), pacing);
    const parts = await collect(provider.model(server.origin), provider.request);
    expect(textOf(parts)).toBe(fixture(file).expectedText);
    expect(parts.at(-1)?.type).toBe('error');
    expect(parts.filter((part) => part.type === 'usage' || part.type === 'finish')).toEqual([]);
  });
});

describe('mid-stream errors keep the provider’s words', () => {
  it('openai: an {"error": …} event is a PROVIDER_ERROR naming server_error', async () => {
    server = await startFakeProviderServer(fixtureReply('openai-error-midstream.sse'), 'bytes');
    const error = errorOf(await collect(providerCases[0]!.model(server.origin), providerCases[0]!.request));
    expect(error).toEqual({
      type: 'error',
      code: 'PROVIDER_ERROR',
      message: 'provider failed mid-stream (openai, server_error): The server had an error while processing your request. Sorry about that!',
      retryable: true,
    });
  });

  it('anthropic: event: error with overloaded_error is a retryable PROVIDER_UNAVAILABLE', async () => {
    server = await startFakeProviderServer(fixtureReply('anthropic-error-stream.sse'), 'bytes');
    const error = errorOf(await collect(providerCases[1]!.model(server.origin), providerCases[1]!.request));
    expect(error).toEqual({
      type: 'error',
      code: 'PROVIDER_UNAVAILABLE',
      message: 'provider is overloaded (anthropic, overloaded_error): Overloaded',
      retryable: true,
    });
  });

  it('ollama: an {"error": …} line is a PROVIDER_ERROR with its message', async () => {
    server = await startFakeProviderServer(fixtureReply('ollama-error-midstream.ndjson'), 'bytes');
    const error = errorOf(await collect(providerCases[2]!.model(server.origin), providerCases[2]!.request));
    expect(error?.code).toBe('PROVIDER_ERROR');
    expect(error?.message).toBe('provider failed mid-stream (ollama): an error was encountered while running the model');
  });
});

describe('error statuses before the stream', () => {
  it('openai 429 is PROVIDER_UNAVAILABLE with retry-after and the provider’s message', async () => {
    server = await startFakeProviderServer(fixtureReply('openai-error-429.json'));
    const parts = await collect(providerCases[0]!.model(server.origin), providerCases[0]!.request);
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({ type: 'error', code: 'PROVIDER_UNAVAILABLE', status: 429, retryAfterSeconds: 20, retryable: true });
    expect(errorOf(parts)!.message).toMatch(/^provider is rate limiting requests \(openai, 429, retry after 20 s\): Rate limit reached for gpt-4o-mini in organization /);
  });

  it('anthropic 429 is PROVIDER_UNAVAILABLE with retry-after and the provider’s message', async () => {
    server = await startFakeProviderServer(fixtureReply('anthropic-error-429.json'));
    const parts = await collect(providerCases[1]!.model(server.origin), providerCases[1]!.request);
    expect(parts).toEqual([
      expect.objectContaining({ type: 'error', code: 'PROVIDER_UNAVAILABLE', status: 429, retryAfterSeconds: 17, retryable: true }),
    ]);
    expect(errorOf(parts)!.message).toMatch(/^provider is rate limiting requests \(anthropic, 429, retry after 17 s\): Number of request tokens has exceeded/);
  });

  it('anthropic 529 (a status with no reason phrase) is an overloaded PROVIDER_UNAVAILABLE', async () => {
    server = await startFakeProviderServer(fixtureReply('anthropic-error-529.json'));
    const parts = await collect(providerCases[1]!.model(server.origin), providerCases[1]!.request);
    expect(parts).toEqual([
      { type: 'error', code: 'PROVIDER_UNAVAILABLE', message: 'provider is overloaded (anthropic, 529): Overloaded', status: 529, retryable: true },
    ]);
  });
});
