/**
 * Typed answers through each provider's own structured-output mechanism:
 * OpenAI `response_format` json_schema, Anthropic a forced tool, Ollama
 * `format`. The recorded transcripts are replayed by a fake server; the
 * OpenAI ones are also read by the official `openai` package's parser.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createModel, type LanguageModel, type ModelRequest, type ResponseFormat } from '../../src/providers/index.js';
import { strictReady } from '../../src/providers/openai/structured-output.js';
import { collect, textOf } from './support/collect.js';
import { startFakeProviderServer, type FakeProviderServer, type Pacing } from './support/fake-provider-server.js';
import { fixture, fixtureReply, utf8SplitOffsets } from './support/fixtures.js';

let server: FakeProviderServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const SCHEMA = { type: 'object', properties: { name: { type: 'string' }, born: { type: 'integer' } }, required: ['name', 'born'], additionalProperties: false };
const FORMAT: ResponseFormat = { name: 'answer', schema: SCHEMA, multi: false };
const ANSWER = { name: 'Ada Lovelace — née Byron', born: 1815 };
const request = (stream: boolean): ModelRequest => ({
  system: 'You are Apollo.',
  messages: [{ role: 'user', content: 'Ada Lovelace, born 1815' }],
  caller: 'apollo',
  responseFormat: FORMAT,
  ...(!stream && { stream: false }),
});

const cases: { name: string; stream: string; whole: string; model: (origin: string) => LanguageModel }[] = [
  { name: 'openai', stream: 'openai-chat-schema-stream.sse', whole: 'openai-chat-schema.json', model: (origin) => createModel('openai/gpt-4o-mini', { openai: { api_key: 'sk-test-aish', base_url: `${origin}/v1` } })! },
  { name: 'anthropic', stream: 'anthropic-messages-schema-stream.sse', whole: 'anthropic-messages-schema.json', model: (origin) => createModel('anthropic/claude-sonnet-4-5', { anthropic: { api_key: 'sk-ant-test-aish', base_url: origin } })! },
  { name: 'ollama', stream: 'ollama-chat-schema-stream.ndjson', whole: 'ollama-chat-schema.json', model: (origin) => createModel('ollama/llama3.1', { ollama: { base_url: origin } })! },
];

describe.each(cases)('a typed answer from $name', (provider) => {
  const pacings: [string, Pacing][] = [
    ['in one piece', 'whole'],
    ['one byte per write', 'bytes'],
    ['cut inside every multi-byte character', { splitAt: utf8SplitOffsets(provider.stream) }],
  ];

  it.each(pacings)('streams the JSON of the recorded transcript when the body comes %s', async (_, pacing) => {
    server = await startFakeProviderServer(fixtureReply(provider.stream), pacing);
    const parts = await collect(provider.model(server.origin), request(true));
    expect(textOf(parts)).toBe(fixture(provider.stream).expectedText);
    expect(JSON.parse(textOf(parts))).toEqual(ANSWER);
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  it('asks with the documented request body, as the transcript was recorded for', async () => {
    server = await startFakeProviderServer(fixtureReply(provider.stream));
    await collect(provider.model(server.origin), request(true));
    expect(JSON.parse(server.requests[0]!.body)).toEqual(fixture(provider.stream).request.body);
    expect(server.requests[0]!.path).toBe(fixture(provider.stream).request.path);
  });

  it('reads the whole (not streamed) answer too', async () => {
    server = await startFakeProviderServer(fixtureReply(provider.whole));
    const parts = await collect(provider.model(server.origin), request(false));
    expect(JSON.parse(textOf(parts))).toEqual(ANSWER);
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    expect(JSON.parse(server.requests[0]!.body)).toEqual(fixture(provider.whole).request.body);
  });
});

describe('the OpenAI transcripts read by the official openai package', () => {
  const responseFormat = { type: 'json_schema' as const, json_schema: { name: 'answer', schema: SCHEMA, strict: true } };
  const client = (origin: string): OpenAI => new OpenAI({ baseURL: `${origin}/v1`, apiKey: 'sk-test-aish', maxRetries: 0 });

  it('chat.completions.parse gives the parsed object', async () => {
    server = await startFakeProviderServer(fixtureReply('openai-chat-schema.json'));
    const completion = await client(server.origin).chat.completions.parse({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Ada Lovelace, born 1815' }], response_format: responseFormat });
    expect(completion.choices[0]!.message.parsed).toEqual(ANSWER);
  });

  // The SDK parses a stream's JSON itself only for its zod formats; for a plain json_schema it assembles the content.
  it('chat.completions.stream assembles the JSON content and usage of the stream', async () => {
    server = await startFakeProviderServer(fixtureReply('openai-chat-schema-stream.sse'), 'bytes');
    const stream = client(server.origin).chat.completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Ada Lovelace, born 1815' }], response_format: responseFormat, stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    expect(JSON.parse(final.choices[0]!.message.content!)).toEqual(ANSWER);
    expect(final.choices[0]!.finish_reason).toBe('stop');
    expect(final.usage?.completion_tokens).toBe(17);
  });
});

describe('an OpenAI refusal', () => {
  it('is a provider error with the model’s words, not an answer', async () => {
    const body = JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' }, finish_reason: 'stop' }] });
    server = await startFakeProviderServer({ status: 200, headers: [['content-type', 'application/json']], body: Buffer.from(body) });
    const parts = await collect(cases[0]!.model(server.origin), request(false));
    expect(parts.at(-1)).toMatchObject({ type: 'error', code: 'PROVIDER_ERROR', message: 'the model refused to answer (openai): I cannot help with that.' });
  });
});

describe('OpenAI strict mode', () => {
  it('is used for schemas in its subset: closed objects with every property required', () => {
    expect(strictReady(SCHEMA)).toBe(true);
    expect(strictReady({ type: 'object', properties: { tags: { type: 'array', items: { type: 'object', properties: { a: { type: 'string', format: 'email' } }, required: ['a'], additionalProperties: false } } }, required: ['tags'], additionalProperties: false })).toBe(true);
  });

  it('is not used (strict: false) for an open object, an optional property, or a keyword outside its subset', () => {
    expect(strictReady({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] })).toBe(false);
    expect(strictReady({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, required: ['a'], additionalProperties: false })).toBe(false);
    expect(strictReady({ type: 'object', properties: { a: { type: 'string', minLength: 2 } }, required: ['a'], additionalProperties: false })).toBe(false);
    expect(strictReady({ type: 'object', properties: { a: { oneOf: [{ type: 'string' }] } }, required: ['a'], additionalProperties: false })).toBe(false);
  });

  it('the request says which', async () => {
    server = await startFakeProviderServer(fixtureReply('openai-chat-schema.json'));
    const open = { type: 'object', properties: { name: { type: 'string' } } };
    await collect(cases[0]!.model(server.origin), { ...request(false), responseFormat: { name: 'answer', schema: open, multi: false } });
    expect(JSON.parse(server.requests[0]!.body).response_format).toEqual({ type: 'json_schema', json_schema: { name: 'answer', schema: open, strict: false } });
  });
});
