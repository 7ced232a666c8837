/** The Anthropic Messages adapter, streaming over server-sent events (or one JSON answer for `stream: false`). */
import type { Dispatcher } from 'undici';
import type { FinishReason, LanguageModel, ModelPart, ModelRequest } from '../provider.js';
import { DecodeError, decodeServerSentEvents, isObject, parseJsonObject, readJsonObject, type ServerSentEvent } from '../decode.js';
import { endpoint, hasHostname, postJson } from '../http.js';
import { guardStream } from '../guard-stream.js';
import { missingApiKey, truncatedStream } from '../provider-error.js';
import type { AnthropicContentBlockDelta, AnthropicMessageDelta, AnthropicMessageStart, AnthropicUsage, AnthropicWholeMessage } from './api-types.js';
import { anthropicStreamFailure, readAnthropicError } from './errors.js';
import { mapAnthropicStopReason } from './finish-reason.js';
import { toAnthropicRequest } from './messages.js';

/** Anthropic's service root; aish appends `/v1/messages`. */
export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';

/** The API version aish speaks; required on every request. */
export const ANTHROPIC_VERSION = '2023-06-01';

/** What an Anthropic model needs. */
export interface AnthropicModelOptions {
  /** As configured, e.g. `anthropic/claude-sonnet-4-5`. */
  reference: string;
  /** The model name sent to the API: `claude-sonnet-4-5`. */
  model: string;
  /** Required by Anthropic's own service; a proxy at another `baseUrl` may need none. */
  apiKey?: string;
  baseUrl?: string;
  /** Defaults to the shared keep-alive pool. */
  dispatcher?: Dispatcher;
}

/** A language model served by the Messages API. */
export function createAnthropicModel(options: AnthropicModelOptions): LanguageModel {
  const url = endpoint(options.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL, '/v1/messages');
  const official = hasHostname(url, 'api.anthropic.com');

  async function* produce(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelPart> {
    if (!options.apiKey && official) throw missingApiKey('anthropic', 'ANTHROPIC_API_KEY');
    const whole = request.stream === false;
    const headers: Record<string, string> = { accept: whole ? 'application/json' : 'text/event-stream', 'anthropic-version': ANTHROPIC_VERSION };
    if (options.apiKey) headers['x-api-key'] = options.apiKey;
    const body = await postJson({
      provider: 'anthropic',
      url,
      headers,
      body: toAnthropicRequest(options.model, request),
      signal,
      readError: readAnthropicError,
      ...(options.dispatcher && { dispatcher: options.dispatcher }),
    });
    const typed = request.responseFormat !== undefined;
    if (whole) yield* readAnthropicMessage((await readJsonObject(body)) as AnthropicWholeMessage, typed);
    else yield* readAnthropicStream(decodeServerSentEvents(body), typed);
  }

  return {
    reference: options.reference,
    stream: (request, signal) => guardStream('anthropic', signal, () => produce(request, signal)),
  };
}

/**
 * Events → parts. Usage is a running total (input from `message_start`,
 * output from the last `message_delta`), given with the finish at
 * `message_stop`. `ping` and event types aish does not know are skipped, as
 * Anthropic's versioning policy asks; after `message_stop` the body is read
 * to its end (and ignored) so the connection can be reused.
 */
async function* readAnthropicStream(events: AsyncIterable<ServerSentEvent>, typed: boolean): AsyncGenerator<ModelPart> {
  const usage: RunningUsage = { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 };
  let reason: FinishReason = 'other';
  let stopped = false;
  for await (const event of events) {
    if (stopped) continue;
    const payload = parseJsonObject(event.data);
    switch (event.event ?? payload.type) {
      case 'message_start':
        takeUsage(usage, (payload as unknown as AnthropicMessageStart).message?.usage);
        break;
      case 'content_block_delta': {
        const delta = (payload as unknown as AnthropicContentBlockDelta).delta;
        if (delta?.type === 'text_delta' && typeof delta.text === 'string' && delta.text !== '' && !typed) yield { type: 'text-delta', text: delta.text };
        // A typed answer is the forced tool call's input, streamed as pieces of JSON.
        if (delta?.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json !== '' && typed) yield { type: 'text-delta', text: delta.partial_json };
        break;
      }
      case 'message_delta': {
        const { delta, usage: running } = payload as unknown as AnthropicMessageDelta;
        if (delta?.stop_reason) reason = typedStop(mapAnthropicStopReason(delta.stop_reason), typed);
        takeUsage(usage, running);
        break;
      }
      case 'message_stop':
        stopped = true;
        break;
      case 'error':
        throw anthropicStreamFailure(payload);
    }
  }
  if (!stopped) throw truncatedStream('anthropic', 'message_stop');
  yield { type: 'usage', input: usage.input + usage.cacheWrite + usage.cacheRead, output: usage.output };
  yield { type: 'finish', reason };
}

/** A whole answer → the same parts a stream gives: its text blocks, usage, finish. */
function* readAnthropicMessage(message: AnthropicWholeMessage, typed: boolean): Generator<ModelPart> {
  if (!Array.isArray(message.content)) throw new DecodeError('the answer has no content list');
  const text = typed
    ? message.content.filter((block) => isObject(block) && block.type === 'tool_use').map((block) => JSON.stringify(block.input ?? null)).join('')
    : message.content.filter((block) => isObject(block) && block.type === 'text' && typeof block.text === 'string').map((block) => block.text as string).join('');
  if (text !== '') yield { type: 'text-delta', text };
  const usage: RunningUsage = { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 };
  takeUsage(usage, message.usage);
  yield { type: 'usage', input: usage.input + usage.cacheWrite + usage.cacheRead, output: usage.output };
  yield { type: 'finish', reason: typedStop(mapAnthropicStopReason(message.stop_reason), typed) };
}

/** The forced tool call is how a typed answer ends: for aish that is a normal stop. */
function typedStop(reason: FinishReason, typed: boolean): FinishReason {
  return typed && reason === 'tool_calls' ? 'stop' : reason;
}

/** Counts so far; input is reported as three counts (fresh, cache write, cache read) that aish sums, as OpenAI's `prompt_tokens` does. */
interface RunningUsage {
  input: number;
  cacheWrite: number;
  cacheRead: number;
  output: number;
}

/** Takes the counts an event carries: they are totals so far, so they replace, and a count left out stays. */
function takeUsage(usage: RunningUsage, counts: AnthropicUsage | undefined): void {
  if (!isObject(counts)) return;
  if (typeof counts.input_tokens === 'number') usage.input = counts.input_tokens;
  if (typeof counts.cache_creation_input_tokens === 'number') usage.cacheWrite = counts.cache_creation_input_tokens;
  if (typeof counts.cache_read_input_tokens === 'number') usage.cacheRead = counts.cache_read_input_tokens;
  if (typeof counts.output_tokens === 'number') usage.output = counts.output_tokens;
}
