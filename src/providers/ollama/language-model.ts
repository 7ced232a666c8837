/** The Ollama adapter: `/api/chat`, streaming NDJSON (or one JSON answer for `stream: false`). */
import type { Dispatcher } from 'undici';
import type { LanguageModel, ModelPart, ModelRequest } from '../provider.js';
import { DecodeError, decodeLines, isObject, parseJsonObject } from '../decode.js';
import { argumentsText } from '../tool-arguments.js';
import { endpoint, postJson } from '../http.js';
import { guardStream } from '../guard-stream.js';
import { truncatedStream } from '../provider-error.js';
import type { OllamaChatLine } from './api-types.js';
import { ollamaStreamFailure, readOllamaError } from './errors.js';
import { mapOllamaDoneReason } from './finish-reason.js';
import { toOllamaRequest } from './messages.js';

/** A local Ollama server's root; aish appends `/api/chat`. */
export const OLLAMA_DEFAULT_BASE_URL = 'http://127.0.0.1:11434';

/** What an Ollama model needs (no API key: a local server takes none). */
export interface OllamaModelOptions {
  /** As configured, e.g. `ollama/llama3.1`. */
  reference: string;
  /** The model name sent to the server, tag included: `llama3.1:8b`. */
  model: string;
  baseUrl?: string;
  /** Defaults to the shared keep-alive pool. */
  dispatcher?: Dispatcher;
}

/** A language model served by Ollama. */
export function createOllamaModel(options: OllamaModelOptions): LanguageModel {
  const url = endpoint(options.baseUrl ?? OLLAMA_DEFAULT_BASE_URL, '/api/chat');

  async function* produce(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelPart> {
    const body = await postJson({
      provider: 'ollama',
      url,
      headers: { accept: request.stream === false ? 'application/json' : 'application/x-ndjson' },
      body: toOllamaRequest(options.model, request),
      signal,
      readError: readOllamaError,
      ...(options.dispatcher && { dispatcher: options.dispatcher }),
    });
    // A whole answer is the stream's last line alone: the same reader takes it.
    yield* readOllamaStream(decodeLines(body));
  }

  return {
    reference: options.reference,
    stream: (request, signal) => guardStream('ollama', signal, () => produce(request, signal)),
  };
}

/**
 * Lines → parts. Metrics come on the `done: true` line only; an `error` line
 * ends the stream with an error; a body that ends before `done: true` was cut
 * short. After `done` the body is read to its end so the connection can be reused.
 *
 * Tool calls come whole (a line's `message.tool_calls`, arguments as an
 * object), so each is passed on as it arrives, its arguments as JSON text and,
 * when the server gave it no id, `call_1`, `call_2`… in the order of the answer.
 */
async function* readOllamaStream(lines: AsyncIterable<string>): AsyncGenerator<ModelPart> {
  let last: OllamaChatLine | undefined;
  let calls = 0;
  for await (const line of lines) {
    if (last) continue;
    const chunk = parseJsonObject(line) as OllamaChatLine;
    if (chunk.error !== undefined) throw ollamaStreamFailure(String(chunk.error));
    const text = chunk.message?.content;
    if (text !== undefined && typeof text !== 'string') throw new DecodeError(`message.content is not a string in ${line.slice(0, 120)}`);
    if (text) yield { type: 'text-delta', text };
    for (const call of readOllamaToolCalls(chunk.message?.tool_calls)) {
      calls++;
      yield { type: 'tool-call', id: call.id ?? `call_${calls}`, name: call.name, arguments: call.arguments };
    }
    if (chunk.done === true) last = chunk;
  }
  if (!last) throw truncatedStream('ollama', 'done: true');
  yield { type: 'usage', input: count(last.prompt_eval_count), output: count(last.eval_count) };
  yield { type: 'finish', reason: calls > 0 ? 'tool_calls' : mapOllamaDoneReason(last.done_reason) };
}

/** A line's `message.tool_calls`: name and arguments (as JSON text) of each, and its id if the server gave one. */
function readOllamaToolCalls(value: unknown): { id?: string; name: string; arguments: string }[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new DecodeError('message.tool_calls is not an array');
  return value.map((call) => {
    const fn = isObject(call) && isObject(call.function) ? call.function : undefined;
    if (!fn || typeof fn.name !== 'string' || fn.name === '') throw new DecodeError('a tool call has no function name');
    const id = isObject(call) && typeof call.id === 'string' && call.id !== '' ? call.id : undefined;
    return { ...(id !== undefined && { id }), name: fn.name, arguments: argumentsText(fn.arguments) };
  });
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
