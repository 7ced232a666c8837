/**
 * Tool calls read from each provider's recorded transcripts: a streamed turn
 * with two parallel calls, the same turn as a whole answer, and the follow-up
 * turn that answers in text once the results went back. Each stream is
 * replayed in one piece, a byte at a time, cut inside every multi-byte
 * character and in random pieces; the requests aish sends are compared with
 * the ones the transcripts answer. The OpenAI and Anthropic transcripts are
 * also read by the official SDKs' own parsers, so they are what those APIs send.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createModel, type LanguageModel, type ModelMessage, type ModelPart, type ModelRequest, type ToolCall, type ToolDefinition } from '../../src/providers/index.js';
import { collect, textOf } from './support/collect.js';
import { startFakeProviderServer, type FakeProviderServer } from './support/fake-provider-server.js';
import { fixture, fixtureReply, type FixtureEntry } from './support/fixtures.js';
import { pacings } from './support/pieces.js';

let server: FakeProviderServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const SYSTEM = 'You are Apollo.';
const QUESTION = 'Which notes do I have, and what does my résumé say?';
const RESULTS = ['[FILE] résumé.md\n[FILE] todo.md', '# Ada Lovelace — mathematician\nWrote the first published algorithm.'];

/** The tools as the tool loop offers them (names already provider-safe), read back from a recorded request. */
function toolsOf(entry: FixtureEntry): ToolDefinition[] {
  return (entry.request.body!.tools as Record<string, unknown>[]).map((tool) => {
    const fn = (tool.function ?? tool) as { name: string; description: string; parameters?: Record<string, unknown>; input_schema?: Record<string, unknown> };
    return { name: fn.name, description: fn.description, inputSchema: (fn.parameters ?? fn.input_schema)! };
  });
}

/** One provider's three transcripts and how to reach its fake server. */
interface ToolCase {
  name: 'openai' | 'anthropic' | 'ollama';
  stream: string;
  whole: string;
  followUp: string;
  model(origin: string): LanguageModel;
}

const cases: ToolCase[] = [
  { name: 'openai', stream: 'openai-chat-tools-stream.sse', whole: 'openai-chat-tools.json', followUp: 'openai-chat-tools-followup-stream.sse', model: (origin) => createModel('openai/gpt-4o-mini', { openai: { api_key: 'sk-test-aish', base_url: `${origin}/v1` } })! },
  { name: 'anthropic', stream: 'anthropic-messages-tools-stream.sse', whole: 'anthropic-messages-tools.json', followUp: 'anthropic-messages-tools-followup-stream.sse', model: (origin) => createModel('anthropic/claude-sonnet-4-5', { anthropic: { api_key: 'sk-ant-test-aish', base_url: origin } })! },
  { name: 'ollama', stream: 'ollama-chat-tools-stream.ndjson', whole: 'ollama-chat-tools.json', followUp: 'ollama-chat-tools-followup-stream.ndjson', model: (origin) => createModel('ollama/llama3.1', { ollama: { base_url: origin } })! },
];

/** The first request: the question, with the tools offered. */
function firstRequest(provider: ToolCase, stream: boolean): ModelRequest {
  return { system: SYSTEM, messages: [{ role: 'user', content: QUESTION }], tools: toolsOf(fixture(provider.stream)), caller: 'apollo', ...(!stream && { stream: false }) };
}

/** The follow-up: the first turn's text and calls, then one result per call, in call order. */
function followUpRequest(provider: ToolCase): ModelRequest {
  const first = fixture(provider.stream);
  const calls = first.expectedToolCalls!;
  const messages: ModelMessage[] = [
    { role: 'user', content: QUESTION },
    { role: 'assistant', content: first.expectedText!, toolCalls: calls },
    { role: 'user', content: '', toolResults: calls.map((call, index) => ({ callId: call.id, name: call.name, content: RESULTS[index]! })) },
  ];
  return { system: SYSTEM, messages, tools: toolsOf(first), caller: 'apollo' };
}


const toolCallsOf = (parts: ModelPart[]): ToolCall[] => parts.flatMap((part) => (part.type === 'tool-call' ? [{ id: part.id, name: part.name, arguments: part.arguments }] : []));

/** What every turn's parts must be: its text, then its calls whole, then usage and the finish. */
function expectTurn(parts: ModelPart[], entry: FixtureEntry): void {
  expect(textOf(parts)).toBe(entry.expectedText);
  expect(toolCallsOf(parts)).toEqual(entry.expectedToolCalls);
  expect(parts.slice(-2)).toEqual([
    { type: 'usage', ...entry.expectedUsage },
    { type: 'finish', reason: entry.expectedFinish },
  ]);
  const kinds = parts.map((part) => part.type).join(' ');
  expect(kinds).toMatch(/^(text-delta )*(tool-call )*usage finish$/);
}

describe.each(cases)('$name tool calls from the recorded transcripts', (provider) => {
  it.each(pacings(provider.stream, 11))('a streamed turn gives two parallel calls, each whole and once, when the body comes %s', async (_, pacing) => {
    server = await startFakeProviderServer(fixtureReply(provider.stream), pacing);
    expectTurn(await collect(provider.model(server.origin), firstRequest(provider, true)), fixture(provider.stream));
  });

  it('offers the tools in the request the streamed turn answers', async () => {
    server = await startFakeProviderServer(fixtureReply(provider.stream));
    await collect(provider.model(server.origin), firstRequest(provider, true));
    const recorded = fixture(provider.stream).request;
    expect(server.requests[0]!.path).toBe(recorded.path);
    expect(JSON.parse(server.requests[0]!.body)).toEqual(recorded.body);
  });

  it('a whole (not streamed) answer gives the same calls', async () => {
    server = await startFakeProviderServer(fixtureReply(provider.whole));
    expectTurn(await collect(provider.model(server.origin), firstRequest(provider, false)), fixture(provider.whole));
    expect(JSON.parse(server.requests[0]!.body)).toEqual(fixture(provider.whole).request.body);
  });

  it.each(pacings(provider.followUp, 11))('sends the calls and their results back and streams the text answer (body %s)', async (_, pacing) => {
    server = await startFakeProviderServer(fixtureReply(provider.followUp), pacing);
    expectTurn(await collect(provider.model(server.origin), followUpRequest(provider)), fixture(provider.followUp));
    expect(JSON.parse(server.requests[0]!.body)).toEqual(fixture(provider.followUp).request.body);
  });
});

describe('the OpenAI tool-call transcripts read by the official openai package', () => {
  const client = (origin: string): OpenAI => new OpenAI({ baseURL: `${origin}/v1`, apiKey: 'sk-test-aish', maxRetries: 0 });
  /** The recorded request body, without `stream` (each SDK method sets it itself). */
  const body = (file: string): Omit<OpenAI.ChatCompletionCreateParamsNonStreaming, 'stream'> => {
    const { stream: _stream, ...params } = fixture(file).request.body as Record<string, unknown>;
    return params as unknown as Omit<OpenAI.ChatCompletionCreateParamsNonStreaming, 'stream'>;
  };
  const expectedCalls = (file: string) => fixture(file).expectedToolCalls!.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));

  it('chat.completions.stream joins the streamed pieces into the same two calls', async () => {
    server = await startFakeProviderServer(fixtureReply('openai-chat-tools-stream.sse'), 'bytes');
    const final = await client(server.origin).chat.completions.stream(body('openai-chat-tools-stream.sse')).finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.choices[0]!.message.tool_calls).toEqual(expectedCalls('openai-chat-tools-stream.sse'));
    expect(final.usage?.completion_tokens).toBe(52);
  });

  it('chat.completions.create reads the whole answer’s calls', async () => {
    server = await startFakeProviderServer(fixtureReply('openai-chat-tools.json'));
    const completion = await client(server.origin).chat.completions.create(body('openai-chat-tools.json'));
    expect(completion.choices[0]!.message.tool_calls).toEqual(expectedCalls('openai-chat-tools.json'));
  });

  it('reads the follow-up answer’s text', async () => {
    server = await startFakeProviderServer(fixtureReply('openai-chat-tools-followup-stream.sse'), 'bytes');
    const final = await client(server.origin).chat.completions.stream(body('openai-chat-tools-followup-stream.sse')).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe(fixture('openai-chat-tools-followup-stream.sse').expectedText);
  });
});

describe('the Anthropic tool-call transcripts read by the official @anthropic-ai/sdk package', () => {
  const client = (origin: string): Anthropic => new Anthropic({ baseURL: origin, apiKey: 'sk-ant-test-aish', maxRetries: 0 });
  const params = (file: string) => {
    const { stream: _stream, ...rest } = fixture(file).request.body as Record<string, unknown>;
    return rest as unknown as Anthropic.MessageCreateParamsNonStreaming;
  };
  const expectedBlocks = (file: string) => fixture(file).expectedToolCalls!.map((call) => ({ type: 'tool_use', id: call.id, name: call.name, input: JSON.parse(call.arguments) }));

  it('messages.stream assembles the text block and both tool_use inputs from the pieces', async () => {
    server = await startFakeProviderServer(fixtureReply('anthropic-messages-tools-stream.sse'), 'bytes');
    const message = await client(server.origin).messages.stream(params('anthropic-messages-tools-stream.sse')).finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content[0]).toMatchObject({ type: 'text', text: fixture('anthropic-messages-tools-stream.sse').expectedText });
    expect(message.content.slice(1)).toMatchObject(expectedBlocks('anthropic-messages-tools-stream.sse'));
    expect(message.usage.output_tokens).toBe(121);
  });

  it('messages.create reads the whole answer’s tool_use blocks', async () => {
    server = await startFakeProviderServer(fixtureReply('anthropic-messages-tools.json'));
    const message = await client(server.origin).messages.create(params('anthropic-messages-tools.json'));
    expect(message.content.slice(1)).toMatchObject(expectedBlocks('anthropic-messages-tools.json'));
  });

  it('reads the follow-up answer’s text', async () => {
    server = await startFakeProviderServer(fixtureReply('anthropic-messages-tools-followup-stream.sse'), 'bytes');
    const message = await client(server.origin).messages.stream(params('anthropic-messages-tools-followup-stream.sse')).finalMessage();
    expect(message.content).toMatchObject([{ type: 'text', text: fixture('anthropic-messages-tools-followup-stream.sse').expectedText }]);
    expect(message.stop_reason).toBe('end_turn');
  });
});
