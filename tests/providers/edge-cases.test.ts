import { afterEach, describe, expect, it } from 'vitest';
import type { ModelPart } from '../../src/providers/index.js';
import { collect, errorOf, textOf } from './support/collect.js';
import { startFakeProviderServer, type FakeProviderServer } from './support/fake-provider-server.js';
import { fixture, fixtureBody, fixtureReply } from './support/fixtures.js';
import { providerCases, type ProviderCase } from './support/provider-cases.js';

let server: FakeProviderServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const [openai, anthropic, ollama] = providerCases as [ProviderCase, ProviderCase, ProviderCase];

/** Replays `body` with the headers of `file`, one byte per write, and collects the parts. */
async function replay(provider: ProviderCase, file: string, body: string | Buffer): Promise<ModelPart[]> {
  server = await startFakeProviderServer(fixtureReply(file, Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')), 'bytes');
  const parts = await collect(provider.model(server.origin), provider.request);
  await server.close();
  server = undefined;
  return parts;
}

const text = (file: string) => fixtureBody(file).toString('utf8');

/** The recorded events of an SSE fixture, each as it is on the wire (blank line included). */
const events = (file: string) => text(file).split(/(?<=\n\n)/);

describe('the same transcript, framed differently, gives the same parts', () => {
  it.each([
    ['openai', 'openai-chat-stream.sse'],
    ['anthropic', 'anthropic-messages-stream.sse'],
  ] as const)('%s: CRLF line ends, a byte-order mark, comments and data: without its space', async (name, file) => {
    const provider = name === 'openai' ? openai : anthropic;
    const reference = await replay(provider, file, fixtureBody(file));
    const hostile =
      '\uFEFF: OPENROUTER PROCESSING\r\n\r\n' +
      events(file)
        .map((event) => `: keep-alive\r\n${event.replace(/^data: /m, 'data:').replace(/\n/g, '\r\n')}`)
        .join('');
    expect(await replay(provider, file, hostile)).toEqual(reference);
  });

  it('ollama: CRLF line ends and a byte-order mark', async () => {
    const file = 'ollama-chat-stream.ndjson';
    const reference = await replay(ollama, file, fixtureBody(file));
    expect(await replay(ollama, file, `\uFEFF${text(file).replace(/\n/g, '\r\n')}`)).toEqual(reference);
  });
});

describe('openai stream semantics', () => {
  const file = 'openai-chat-stream.sse';
  const expected = fixture(file).expectedText!;

  it('reads a usage chunk whose choices are null or missing, and chunks with no usage key at all', async () => {
    const variant = events(file)
      .map((event) => event.replace('"choices":[],', '"choices":null,').replace(',"usage":null', ''))
      .join('');
    expect((await replay(openai, file, variant)).slice(-2)).toEqual([
      { type: 'usage', input: 31, output: 22 },
      { type: 'finish', reason: 'stop' },
    ]);
    const missing = events(file)
      .map((event) => event.replace('"choices":[],', ''))
      .join('');
    expect(textOf(await replay(openai, file, missing))).toBe(expected);
  });

  it('ignores anything after [DONE]', async () => {
    const parts = await replay(openai, file, `${text(file)}data: {"choices":[{"delta":{"content":"LATE"}}]}\n\ndata: not json\n\n`);
    expect(textOf(parts)).toBe(expected);
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  it('malformed JSON in an event is a PROVIDER_ERROR after the text so far, never a dropped chunk', async () => {
    const all = events(file);
    const parts = await replay(openai, file, [...all.slice(0, 3), 'data: {"id":"chatcmpl-x","choices":[{"delta":{"content":\n\n', ...all.slice(3)].join(''));
    expect(textOf(parts)).toBe('Use `');
    expect(parts.at(-1)).toMatchObject({ type: 'error', code: 'PROVIDER_ERROR', retryable: false });
    expect(errorOf(parts)!.message).toBe('provider sent a malformed stream (openai, invalid JSON "{\\"id\\":\\"chatcmpl-x\\",\\"choices\\":[{\\"delta\\":{\\"content\\":")');
  });

  it('a body that ends before [DONE] and before any finish reason is a truncated stream', async () => {
    const parts = await replay(openai, file, events(file).slice(0, 5).join('') + 'data: {"choices":[{"delta":{"content":"cut');
    expect(textOf(parts)).toBe('Use `ls -');
    expect(parts.at(-1)).toEqual({ type: 'error', code: 'PROVIDER_ERROR', message: 'provider ended the stream early (openai, no [DONE])', retryable: true });
  });

  it('an empty 200 body is a truncated stream', async () => {
    expect(await replay(openai, file, '')).toEqual([{ type: 'error', code: 'PROVIDER_ERROR', message: 'provider ended the stream early (openai, no [DONE])', retryable: true }]);
  });

  it('a finish reason followed by the end of the body (no [DONE], as some compatible servers do) still finishes', async () => {
    const parts = await replay(openai, file, events(file).slice(0, -2).join(''));
    expect(textOf(parts)).toBe(expected);
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  it('maps finish_reason length, and an event: error reads as an in-stream error', async () => {
    const lengthy = text(file).replace('"finish_reason":"stop"', '"finish_reason":"length"');
    expect((await replay(openai, file, lengthy)).at(-1)).toEqual({ type: 'finish', reason: 'length' });
    const parts = await replay(openai, file, `${events(file)[1]}event: error\ndata: {"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}\n\n`);
    expect(parts).toEqual([
      { type: 'text-delta', text: 'Use' },
      { type: 'error', code: 'PROVIDER_UNAVAILABLE', message: 'provider is rate limiting requests (openai, requests): Rate limit reached', retryable: true },
    ]);
  });
});

describe('anthropic stream semantics', () => {
  const file = 'anthropic-messages-stream.sse';
  const expected = fixture(file).expectedText!;

  it('skips pings and event types it does not know, anywhere', async () => {
    const padded = events(file)
      .map((event) => `event: ping\ndata: {"type": "ping"}\n\nevent: brand_new_event\ndata: {"type":"brand_new_event","x":1}\n\n${event}`)
      .join('');
    const parts = await replay(anthropic, file, padded);
    expect(textOf(parts)).toBe(expected);
    expect(parts.slice(-2)).toEqual([
      { type: 'usage', input: 21, output: 34 },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('takes the last running usage totals, cached input counted, and maps max_tokens to length', async () => {
    const variant = text(file)
      .replaceAll('"cache_read_input_tokens":0', '"cache_read_input_tokens":100')
      .replace('"stop_reason":"end_turn"', '"stop_reason":"max_tokens"');
    expect((await replay(anthropic, file, variant)).slice(-2)).toEqual([
      { type: 'usage', input: 121, output: 34 },
      { type: 'finish', reason: 'length' },
    ]);
  });

  it('a body that ends without message_stop is a truncated stream, text kept', async () => {
    const parts = await replay(anthropic, file, events(file).slice(0, -1).join(''));
    expect(textOf(parts)).toBe(expected);
    expect(parts.at(-1)).toEqual({ type: 'error', code: 'PROVIDER_ERROR', message: 'provider ended the stream early (anthropic, no message_stop)', retryable: true });
  });

  it('malformed JSON is a PROVIDER_ERROR', async () => {
    const parts = await replay(anthropic, file, `${events(file)[0]}event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"x"\n\n`);
    expect(errorOf(parts)).toMatchObject({ code: 'PROVIDER_ERROR' });
    expect(errorOf(parts)!.message).toMatch(/^provider sent a malformed stream \(anthropic, invalid JSON /);
  });
});

describe('ollama stream semantics', () => {
  const file = 'ollama-chat-stream.ndjson';
  const lines = text(file).split(/(?<=\n)/);

  it('a body that ends before done: true is a truncated stream, text kept', async () => {
    const parts = await replay(ollama, file, lines.slice(0, -1).join(''));
    expect(textOf(parts)).toBe(fixture(file).expectedText);
    expect(parts.at(-1)).toEqual({ type: 'error', code: 'PROVIDER_ERROR', message: 'provider ended the stream early (ollama, no done: true)', retryable: true });
  });

  it('a body cut inside a line is a malformed stream, text kept', async () => {
    const parts = await replay(ollama, file, `${lines.slice(0, 2).join('')}{"model":"llama3.2","message":{"role":"assis`);
    expect(parts.filter((part) => part.type === 'text-delta')).toHaveLength(2);
    expect(errorOf(parts)!.message).toMatch(/^provider sent a malformed stream \(ollama, invalid JSON /);
  });

  it('maps done_reason length', async () => {
    expect((await replay(ollama, file, text(file).replace('"done_reason":"stop"', '"done_reason":"length"'))).at(-1)).toEqual({ type: 'finish', reason: 'length' });
  });
});
