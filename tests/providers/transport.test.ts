import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createModel, type ModelPart } from '../../src/providers/index.js';
import { retryHints } from '../../src/providers/http.js';
import { collect, errorOf, textOf } from './support/collect.js';
import { closedPort, startFakeProviderServer, type FakeProviderServer, type Reply } from './support/fake-provider-server.js';
import { fixtureBody, fixtureReply } from './support/fixtures.js';
import { providerCases } from './support/provider-cases.js';

let server: FakeProviderServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const [openai, anthropic, ollama] = providerCases as [(typeof providerCases)[0], (typeof providerCases)[0], (typeof providerCases)[0]];

function jsonReply(status: number, body: unknown, headers: [string, string][] = []): Reply {
  return { status, headers: [['content-type', 'application/json'], ...headers], body: Buffer.from(JSON.stringify(body)) };
}

describe('HTTP error statuses', () => {
  it('a 401 from openai is "provider rejected the API key (openai, 401)" with the provider’s message after it', async () => {
    server = await startFakeProviderServer(
      jsonReply(401, { error: { message: 'Incorrect API key provided: sk-bad. You can find your API key at https://platform.openai.com/account/api-keys.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }),
    );
    const [part] = await collect(openai.model(server.origin), openai.request);
    expect(part).toMatchObject({ type: 'error', code: 'PROVIDER_ERROR', status: 401, retryable: false });
    expect((part as { message: string }).message).toBe(
      'provider rejected the API key (openai, 401): Incorrect API key provided: sk-bad. You can find your API key at https://platform.openai.com/account/api-keys.',
    );
  });

  it('a 401 with no body is exactly "provider rejected the API key (anthropic, 401)"', async () => {
    server = await startFakeProviderServer({ status: 401, headers: [], body: Buffer.alloc(0) });
    const parts = await collect(anthropic.model(server.origin), anthropic.request);
    expect(parts).toEqual([{ type: 'error', code: 'PROVIDER_ERROR', message: 'provider rejected the API key (anthropic, 401)', status: 401, retryable: false }]);
  });

  it('a 403 is read like a 401', async () => {
    server = await startFakeProviderServer(jsonReply(403, { type: 'error', error: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' } }));
    expect(errorOf(await collect(anthropic.model(server.origin), anthropic.request))!.message).toBe(
      'provider rejected the API key (anthropic, 403): Your API key does not have permission to use the specified resource.',
    );
  });

  it('a 503 is PROVIDER_UNAVAILABLE, with an HTTP-date retry-after measured against the Date header', async () => {
    server = await startFakeProviderServer(
      jsonReply(503, { error: { message: 'The engine is currently overloaded, please try again later', type: 'server_error' } }, [
        ['date', 'Thu, 20 Nov 2025 09:21:03 GMT'],
        ['retry-after', 'Thu, 20 Nov 2025 09:21:23 GMT'],
      ]),
    );
    const error = errorOf(await collect(openai.model(server.origin), openai.request));
    expect(error).toEqual({
      type: 'error',
      code: 'PROVIDER_UNAVAILABLE',
      message: 'provider is overloaded (openai, 503, retry after 20 s): The engine is currently overloaded, please try again later',
      status: 503,
      retryAfterSeconds: 20,
      retryable: true,
    });
  });

  it('an openai 429 for insufficient_quota is a PROVIDER_ERROR that is not worth retrying', async () => {
    server = await startFakeProviderServer(
      jsonReply(429, { error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } }),
    );
    expect(errorOf(await collect(openai.model(server.origin), openai.request))).toMatchObject({ code: 'PROVIDER_ERROR', status: 429, retryable: false });
  });

  it('another 4xx is a PROVIDER_ERROR with the provider’s message (ollama: model not found)', async () => {
    server = await startFakeProviderServer(jsonReply(404, { error: 'model "llama3.2" not found, try pulling it first' }));
    expect(await collect(ollama.model(server.origin), ollama.request)).toEqual([
      { type: 'error', code: 'PROVIDER_ERROR', message: 'provider returned an error (ollama, 404): model "llama3.2" not found, try pulling it first', status: 404, retryable: false },
    ]);
  });

  it('a 5xx whose body is not JSON quotes the start of the body, and is retryable', async () => {
    server = await startFakeProviderServer({ status: 502, headers: [['content-type', 'text/html']], body: Buffer.from('<html>\n<body>Bad   Gateway</body>\n</html>\n') });
    expect(errorOf(await collect(openai.model(server.origin), openai.request))).toEqual({
      type: 'error',
      code: 'PROVIDER_ERROR',
      message: 'provider returned an error (openai, 502): <html> <body>Bad Gateway</body> </html>',
      status: 502,
      retryable: true,
    });
  });

  it('x-should-retry: false wins over the status', async () => {
    server = await startFakeProviderServer(jsonReply(500, { type: 'error', error: { type: 'api_error', message: 'Internal server error' } }, [['x-should-retry', 'false']]));
    expect(errorOf(await collect(anthropic.model(server.origin), anthropic.request))).toMatchObject({ code: 'PROVIDER_ERROR', status: 500, retryable: false });
  });
});

describe('retry hints', () => {
  it('reads retry-after as seconds, as an HTTP date, and retry-after-ms first', () => {
    expect(retryHints({ 'retry-after': '17' })).toEqual({ retryAfterSeconds: 17 });
    expect(retryHints({ 'retry-after': 'Thu, 20 Nov 2025 09:21:23 GMT' }, Date.parse('Thu, 20 Nov 2025 09:21:20 GMT'))).toEqual({ retryAfterSeconds: 3 });
    expect(retryHints({ 'retry-after': 'Thu, 20 Nov 2025 09:21:23 GMT' }, Date.parse('Thu, 20 Nov 2025 09:22:00 GMT'))).toEqual({ retryAfterSeconds: 0 });
    expect(retryHints({ 'retry-after-ms': '1500', 'retry-after': '17' })).toEqual({ retryAfterSeconds: 1.5 });
    expect(retryHints({ 'retry-after': 'soon', 'x-should-retry': 'true' })).toEqual({ shouldRetry: true });
  });
});

describe('a provider that cannot be reached', () => {
  it('a closed port is PROVIDER_UNAVAILABLE "cannot reach openai at <url> (connection refused)", in words, not ECONNREFUSED', async () => {
    const port = await closedPort();
    const model = createModel('openai/gpt-4o-mini', { openai: { base_url: `http://127.0.0.1:${port}/v1` } })!;
    expect(await collect(model, openai.request)).toEqual([
      { type: 'error', code: 'PROVIDER_UNAVAILABLE', message: `cannot reach openai at http://127.0.0.1:${port}/v1/chat/completions (connection refused)`, retryable: true },
    ]);
  });

  it('an ollama that is not running is PROVIDER_UNAVAILABLE too', async () => {
    const port = await closedPort();
    const parts = await collect(createModel('ollama/llama3.2', { ollama: { base_url: `http://127.0.0.1:${port}` } })!, ollama.request);
    expect(parts).toEqual([expect.objectContaining({ type: 'error', code: 'PROVIDER_UNAVAILABLE', message: `cannot reach ollama at http://127.0.0.1:${port}/api/chat (connection refused)` })]);
  });

  it('a TLS handshake that fails (https to a plain-HTTP port) is PROVIDER_UNAVAILABLE with its error code', async () => {
    server = await startFakeProviderServer(fixtureReply('openai-chat-stream.sse'));
    const origin = server.origin.replace('http:', 'https:');
    const parts = await collect(createModel('openai/gpt-4o-mini', { openai: { api_key: 'k', base_url: `${origin}/v1` } })!, openai.request);
    expect(parts).toEqual([expect.objectContaining({ type: 'error', code: 'PROVIDER_UNAVAILABLE', retryable: true })]);
    expect(errorOf(parts)!.message).toMatch(new RegExp(`^cannot reach openai at ${origin}/v1/chat/completions \\([A-Z0-9_]+\\)$`));
  });

  it('a base URL that is not http(s) is a PROVIDER_ERROR, and credentials in a URL never reach a message', async () => {
    const parts = await collect(createModel('ollama/llama3.2', { ollama: { base_url: 'ftp://user:secret@example.invalid' } })!, ollama.request);
    expect(parts).toEqual([{ type: 'error', code: 'PROVIDER_ERROR', message: 'invalid base URL for ollama: ftp://example.invalid/api/chat', retryable: false }]);
  });

  it('a connection that breaks mid-stream keeps the text so far, then PROVIDER_UNAVAILABLE', async () => {
    const body = fixtureReply('openai-chat-stream.sse').body;
    server = await startFakeProviderServer(fixtureReply('openai-chat-stream.sse'), { stallAfter: 1500 });
    const model = openai.model(server.origin);
    const parts: ModelPart[] = [];
    for await (const part of model.stream(openai.request, new AbortController().signal)) {
      parts.push(part);
      // Once text flows, the server's side of the connection dies.
      if (parts.length === 1) await server.close();
    }
    expect(body.length).toBeGreaterThan(1500);
    expect(textOf(parts).length).toBeGreaterThan(0);
    expect(parts.at(-1)).toMatchObject({ type: 'error', code: 'PROVIDER_UNAVAILABLE', retryable: true });
    expect(errorOf(parts)!.message).toMatch(new RegExp(`^lost the connection to openai at ${server.origin}/v1/chat/completions \\(`));
    server = undefined;
  });
});

/** Half a fixture's body: past its first text, short of its end. */
function halfOf(file: string): number {
  return Math.floor(fixtureBody(file).length / 2);
}

describe.each(providerCases)('cancelling a $name stream', (provider) => {
  it('aborting mid-stream ends the stream with no error part and closes the upstream socket', async () => {
    server = await startFakeProviderServer(fixtureReply(provider.streamFixture), { stallAfter: halfOf(provider.streamFixture) });
    const controller = new AbortController();
    const parts: ModelPart[] = [];
    for await (const part of provider.model(server.origin).stream(provider.request, controller.signal)) {
      parts.push(part);
      controller.abort();
    }
    expect(parts).toHaveLength(1);
    expect(parts[0]!.type).toBe('text-delta');
    await server.requests[0]!.socketClosed;
  });

  it('leaving the loop early (`| head`) closes the upstream socket too', async () => {
    server = await startFakeProviderServer(fixtureReply(provider.streamFixture), { stallAfter: halfOf(provider.streamFixture) });
    for await (const part of provider.model(server.origin).stream(provider.request, new AbortController().signal)) {
      expect(part.type).toBe('text-delta');
      break;
    }
    await server.requests[0]!.socketClosed;
  });

  it('aborting before the answer starts ends the stream at once with no parts', async () => {
    server = await startFakeProviderServer(fixtureReply(provider.streamFixture), { stallAfter: 0 });
    const controller = new AbortController();
    const stream = provider.model(server.origin).stream(provider.request, controller.signal);
    const parts = collect({ reference: 'x', stream: () => stream }, provider.request);
    // The provider has the request and has sent no byte of the answer (stallAfter: 0): abort now.
    const request = await server.received();
    controller.abort();
    expect(await parts).toEqual([]);
    await request.socketClosed;
  });

  it('a finished stream leaves its connection open for the next request', async () => {
    server = await startFakeProviderServer(fixtureReply(provider.streamFixture));
    const model = provider.model(server.origin);
    expect((await collect(model, provider.request)).at(-1)?.type).toBe('finish');
    // undici's pool marks a connection free a turn after its body ends.
    await nextTurn();
    expect((await collect(model, provider.request)).at(-1)?.type).toBe('finish');
    expect(server.requests).toHaveLength(2);
    expect(server.connections()).toBe(1);
  });
});
