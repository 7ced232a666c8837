/**
 * The OpenAI Chat Completions adapter, streaming over server-sent events (or
 * one JSON answer when the request says `stream: false`). Any
 * `base_url` works, so it also speaks to OpenAI-compatible servers (vLLM,
 * llama.cpp, LM Studio, OpenRouter…).
 */
import type { Dispatcher } from 'undici';
import type { LanguageModel, ModelPart, ModelRequest } from '../provider.js';
import { decodeServerSentEvents, isObject, parseJsonObject, readJsonObject, DecodeError, type ServerSentEvent } from '../decode.js';
import { endpoint, hasHostname, postJson } from '../http.js';
import { guardStream } from '../guard-stream.js';
import { missingApiKey, ProviderError, truncatedStream } from '../provider-error.js';
import type { OpenAiChoice, OpenAiChunk, OpenAiCompletion, OpenAiCompletionChoice } from './api-types.js';
import { mapOpenAiFinishReason } from './finish-reason.js';
import { openAiStreamFailure, readOpenAiError } from './errors.js';
import { toOpenAiRequest } from './messages.js';
import { OpenAiToolCallAssembler, readOpenAiToolCalls } from './tool-calls.js';

/** OpenAI's own service; the path includes the API version, aish appends `/chat/completions`. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** What an OpenAI(-compatible) model needs. */
export interface OpenAiModelOptions {
  /** As configured, e.g. `openai/gpt-4o-mini`. */
  reference: string;
  /** The model name sent to the server: `gpt-4o-mini`. */
  model: string;
  /** Required by OpenAI's own service; a local server may need none (then no `Authorization` header is sent). */
  apiKey?: string;
  baseUrl?: string;
  /** Defaults to the shared keep-alive pool. */
  dispatcher?: Dispatcher;
}

/** A language model served by a Chat Completions endpoint. */
export function createOpenAiModel(options: OpenAiModelOptions): LanguageModel {
  const url = endpoint(options.baseUrl ?? OPENAI_DEFAULT_BASE_URL, '/chat/completions');
  const official = hasHostname(url, 'api.openai.com');

  async function* produce(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelPart> {
    if (!options.apiKey && official) throw missingApiKey('openai', 'OPENAI_API_KEY');
    const whole = request.stream === false;
    const headers: Record<string, string> = { accept: whole ? 'application/json' : 'text/event-stream' };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    const body = await postJson({
      provider: 'openai',
      url,
      headers,
      body: toOpenAiRequest(options.model, request, official ? 'max_completion_tokens' : 'max_tokens'),
      signal,
      readError: readOpenAiError,
      ...(options.dispatcher && { dispatcher: options.dispatcher }),
    });
    if (whole) yield* readOpenAiCompletion((await readJsonObject(body)) as OpenAiCompletion);
    else yield* readOpenAiStream(decodeServerSentEvents(body));
  }

  return {
    reference: options.reference,
    stream: (request, signal) => guardStream('openai', signal, () => produce(request, signal)),
  };
}

/**
 * Chunks → parts. The finish reason comes a chunk before the usage chunk, so
 * both are held and given at `[DONE]`, usage first; tool calls arrive in
 * pieces and are given whole just before them. After `[DONE]` the body is
 * still read to its end (and ignored) so the connection can be reused.
 */
async function* readOpenAiStream(events: AsyncIterable<ServerSentEvent>): AsyncGenerator<ModelPart> {
  let usage: ModelPart | undefined;
  let finishReason: string | null | undefined;
  let done = false;
  let refusal = '';
  const toolCalls = new OpenAiToolCallAssembler();
  for await (const event of events) {
    if (done) continue;
    if (event.data === '[DONE]') {
      done = true;
      continue;
    }
    const chunk = parseJsonObject(event.data) as OpenAiChunk;
    if (event.event === 'error') throw openAiStreamFailure(chunk.error ?? chunk);
    if (chunk.error) throw openAiStreamFailure(chunk.error);
    const choice = firstChoice<OpenAiChoice>(chunk.choices);
    const text = choice?.delta?.content;
    if (text !== undefined && text !== null && typeof text !== 'string') throw new DecodeError(`delta.content is not a string in ${event.data.slice(0, 120)}`);
    if (text) yield { type: 'text-delta', text };
    if (typeof choice?.delta?.refusal === 'string') refusal += choice.delta.refusal;
    toolCalls.add(choice?.delta?.tool_calls);
    if (choice?.finish_reason) finishReason = choice.finish_reason;
    if (isObject(chunk.usage)) usage = { type: 'usage', input: count(chunk.usage.prompt_tokens), output: count(chunk.usage.completion_tokens) };
  }
  // Some compatible servers end the body after the finish chunk without
  // `[DONE]`; a finish reason already says the answer is whole.
  if (!done && !finishReason) throw truncatedStream('openai', '[DONE]');
  if (refusal) throw refused(refusal);
  for (const call of toolCalls.finish()) yield { type: 'tool-call', ...call };
  if (usage) yield usage;
  yield { type: 'finish', reason: toolCalls.started ? 'tool_calls' : mapOpenAiFinishReason(finishReason) };
}

/** A whole answer → the same parts a stream gives: its text, tool calls, usage, finish. */
function* readOpenAiCompletion(completion: OpenAiCompletion): Generator<ModelPart> {
  if (completion.error) throw openAiStreamFailure(completion.error);
  const choice = firstChoice<OpenAiCompletionChoice>(completion.choices);
  if (!choice) throw new DecodeError('the answer has no choices');
  const text = choice.message?.content;
  if (text !== undefined && text !== null && typeof text !== 'string') throw new DecodeError('message.content is not a string');
  if (text) yield { type: 'text-delta', text };
  if (typeof choice.message?.refusal === 'string' && choice.message.refusal !== '') throw refused(choice.message.refusal);
  const toolCalls = readOpenAiToolCalls(choice.message?.tool_calls);
  for (const call of toolCalls) yield { type: 'tool-call', ...call };
  if (isObject(completion.usage)) yield { type: 'usage', input: count(completion.usage.prompt_tokens), output: count(completion.usage.completion_tokens) };
  yield { type: 'finish', reason: toolCalls.length > 0 ? 'tool_calls' : mapOpenAiFinishReason(choice.finish_reason) };
}

/** Choice 0 of a chunk or a whole answer (aish asks for one). */
function firstChoice<Choice>(choices: unknown): Choice | undefined {
  if (choices === undefined || choices === null) return undefined;
  if (!Array.isArray(choices)) throw new DecodeError('choices is not an array');
  const found = choices.find((choice) => isObject(choice) && (choice.index ?? 0) === 0);
  return found as Choice | undefined;
}

/** A typed answer the model declined to give (structured outputs' `refusal`): its words, as the provider's error. */
function refused(text: string): ProviderError {
  return new ProviderError({ provider: 'openai', code: 'PROVIDER_ERROR', message: `the model refused to answer (openai): ${text}`, retryable: false });
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
