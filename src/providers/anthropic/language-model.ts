/** The Anthropic Messages adapter, streaming over server-sent events (or one JSON answer for `stream: false`). */
import type { Dispatcher } from 'undici';
import type { FinishReason, LanguageModel, ModelPart, ModelRequest } from '../provider.js';
import { DecodeError, decodeServerSentEvents, isObject, parseJsonObject, readJsonObject, type ServerSentEvent } from '../decode.js';
import { endpoint, hasHostname, postJson } from '../http.js';
import { guardStream } from '../guard-stream.js';
import { missingApiKey, truncatedStream } from '../provider-error.js';
import { argumentsText } from '../tool-arguments.js';
import type { AnthropicContentBlockDelta, AnthropicContentBlockStart, AnthropicMessageDelta, AnthropicMessageStart, AnthropicUsage, AnthropicWholeMessage } from './api-types.js';
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
    const answerTool = request.responseFormat?.name;
    if (whole) yield* readAnthropicMessage((await readJsonObject(body)) as AnthropicWholeMessage, answerTool);
    else yield* readAnthropicStream(decodeServerSentEvents(body), answerTool);
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
 *
 * Content blocks are told apart by their index: text blocks stream as text
 * (left out of a typed answer), the typed answer's `tool_use` block streams
 * its input JSON as the text, and any other `tool_use` block is a tool call,
 * given whole at its `content_block_stop`.
 */
async function* readAnthropicStream(events: AsyncIterable<ServerSentEvent>, answerTool: string | undefined): AsyncGenerator<ModelPart> {
  const usage: RunningUsage = { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 };
  const blocks = new Map<number, StreamedBlock>();
  let stopReason: string | null | undefined;
  let calledTools = false;
  let stopped = false;
  for await (const event of events) {
    if (stopped) continue;
    const payload = parseJsonObject(event.data);
    switch (event.event ?? payload.type) {
      case 'message_start':
        takeUsage(usage, (payload as unknown as AnthropicMessageStart).message?.usage);
        break;
      case 'content_block_start': {
        const { index, content_block: block } = payload as unknown as AnthropicContentBlockStart;
        blocks.set(blockIndex(index), startedBlock(block, answerTool));
        break;
      }
      case 'content_block_delta': {
        const { index, delta } = payload as unknown as AnthropicContentBlockDelta;
        // A stream with no content_block_start (older proxies) is read as one text block, or the answer.
        const block = blocks.get(blockIndex(index)) ?? (answerTool !== undefined ? { kind: 'answer' as const } : { kind: 'text' as const });
        if (delta?.type === 'text_delta' && typeof delta.text === 'string' && delta.text !== '' && block.kind === 'text' && answerTool === undefined) yield { type: 'text-delta', text: delta.text };
        if (delta?.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json !== '') {
          if (block.kind === 'answer') yield { type: 'text-delta', text: delta.partial_json };
          if (block.kind === 'call') block.pieces.push(delta.partial_json);
        }
        break;
      }
      case 'content_block_stop': {
        const index = blockIndex((payload as { index?: number }).index);
        const block = blocks.get(index);
        blocks.delete(index);
        if (block?.kind === 'call') {
          calledTools = true;
          // A call with no input pieces is a tool that takes no arguments (its start block said `input: {}`).
          yield { type: 'tool-call', id: block.id, name: block.name, arguments: block.pieces.join('') || '{}' };
        }
        break;
      }
      case 'message_delta': {
        const { delta, usage: running } = payload as unknown as AnthropicMessageDelta;
        if (delta?.stop_reason) stopReason = delta.stop_reason;
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
  yield { type: 'finish', reason: finishReason(stopReason, calledTools) };
}

/** What a content block of the stream is, from its `content_block_start`. */
type StreamedBlock = { kind: 'text' } | { kind: 'answer' } | { kind: 'call'; id: string; name: string; pieces: string[] } | { kind: 'other' };

function startedBlock(block: AnthropicContentBlockStart['content_block'], answerTool: string | undefined): StreamedBlock {
  if (!isObject(block)) throw new DecodeError('content_block_start has no content_block');
  if (block.type === 'text') return { kind: 'text' };
  if (block.type !== 'tool_use') return { kind: 'other' };
  if (typeof block.name !== 'string' || block.name === '') throw new DecodeError('a tool_use block has no name');
  if (block.name === answerTool) return { kind: 'answer' };
  if (typeof block.id !== 'string' || block.id === '') throw new DecodeError(`the tool_use block of ${block.name} has no id`);
  return { kind: 'call', id: block.id, name: block.name, pieces: [] };
}

function blockIndex(index: unknown): number {
  return typeof index === 'number' ? index : 0;
}

/** A whole answer → the same parts a stream gives: its text blocks (or the typed answer), tool calls, usage, finish. */
function* readAnthropicMessage(message: AnthropicWholeMessage, answerTool: string | undefined): Generator<ModelPart> {
  if (!Array.isArray(message.content)) throw new DecodeError('the answer has no content list');
  const blocks = message.content.filter(isObject);
  const uses = blocks.filter((block) => block.type === 'tool_use');
  const text =
    answerTool !== undefined
      ? uses.filter((block) => block.name === answerTool).map((block) => JSON.stringify(block.input ?? null)).join('')
      : blocks.filter((block) => block.type === 'text' && typeof block.text === 'string').map((block) => block.text as string).join('');
  if (text !== '') yield { type: 'text-delta', text };
  const calls = uses.filter((block) => block.name !== answerTool);
  for (const block of calls) {
    if (typeof block.name !== 'string' || block.name === '' || typeof block.id !== 'string' || block.id === '') throw new DecodeError('a tool_use block has no id or name');
    yield { type: 'tool-call', id: block.id, name: block.name, arguments: argumentsText(block.input) };
  }
  const usage: RunningUsage = { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 };
  takeUsage(usage, message.usage);
  yield { type: 'usage', input: usage.input + usage.cacheWrite + usage.cacheRead, output: usage.output };
  yield { type: 'finish', reason: finishReason(message.stop_reason, calls.length > 0) };
}

/**
 * The finish reason: `tool_calls` when the model called tools; a `tool_use`
 * stop that only gave the typed answer is, for aish, a normal stop.
 */
function finishReason(stopReason: string | null | undefined, calledTools: boolean): FinishReason {
  if (calledTools) return 'tool_calls';
  const reason = mapAnthropicStopReason(stopReason);
  return reason === 'tool_calls' ? 'stop' : reason;
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
