/**
 * The three providers as the replay tests use them: which fixtures are theirs,
 * the request the fixtures were recorded for, and a model pointed at a fake server.
 */
import { createModel, type LanguageModel, type ModelRequest } from '../../../src/providers/index.js';
import { fixture } from './fixtures.js';

/** One provider under test. */
export interface ProviderCase {
  name: 'openai' | 'anthropic' | 'ollama';
  /** A whole answer. */
  streamFixture: string;
  /** An answer that fails after some text. */
  midstreamErrorFixture: string;
  /** The request the fixtures answer (as the manifest records it). */
  request: ModelRequest;
  usage: { input: number; output: number };
  /** The model, talking to the fake server at `origin`. */
  model(origin: string): LanguageModel;
}

function userText(file: string): string {
  const messages = fixture(file).request.body!.messages as { role: string; content: string }[];
  return messages.find((message) => message.role === 'user')!.content;
}

/** OpenAI, Anthropic and Ollama, each with its recorded transcripts. */
export const providerCases: ProviderCase[] = [
  {
    name: 'openai',
    streamFixture: 'openai-chat-stream.sse',
    midstreamErrorFixture: 'openai-error-midstream.sse',
    request: { system: 'You are aish, a helpful shell assistant.', messages: [{ role: 'user', content: userText('openai-chat-stream.sse') }], caller: 'apollo' },
    usage: { input: 31, output: 22 },
    model: (origin) => createModel('openai/gpt-4o-mini', { openai: { api_key: 'sk-test-aish', base_url: `${origin}/v1` } })!,
  },
  {
    name: 'anthropic',
    streamFixture: 'anthropic-messages-stream.sse',
    midstreamErrorFixture: 'anthropic-error-stream.sse',
    request: { messages: [{ role: 'user', content: userText('anthropic-messages-stream.sse') }], maxTokens: 1024, caller: 'apollo' },
    usage: { input: 21, output: 34 },
    model: (origin) => createModel('anthropic/claude-haiku-4-5-20251001', { anthropic: { api_key: 'sk-ant-test-aish', base_url: origin } })!,
  },
  {
    name: 'ollama',
    streamFixture: 'ollama-chat-stream.ndjson',
    midstreamErrorFixture: 'ollama-error-midstream.ndjson',
    request: { messages: [{ role: 'user', content: userText('ollama-chat-stream.ndjson') }], caller: 'apollo' },
    usage: { input: 33, output: 28 },
    model: (origin) => createModel('ollama/llama3.2', { ollama: { base_url: origin } })!,
  },
];
