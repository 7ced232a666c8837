/** The Ollama adapter: `/api/chat`, streaming NDJSON (or one JSON answer for `stream: false`). */
import type { Dispatcher } from 'undici';
import type { LanguageModel, ModelPart, ModelRequest } from '../provider.js';
import { DecodeError, decodeLines, parseJsonObject } from '../decode.js';
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
 */
async function* readOllamaStream(lines: AsyncIterable<string>): AsyncGenerator<ModelPart> {
  let last: OllamaChatLine | undefined;
  for await (const line of lines) {
    if (last) continue;
    const chunk = parseJsonObject(line) as OllamaChatLine;
    if (chunk.error !== undefined) throw ollamaStreamFailure(String(chunk.error));
    const text = chunk.message?.content;
    if (text !== undefined && typeof text !== 'string') throw new DecodeError(`message.content is not a string in ${line.slice(0, 120)}`);
    if (text) yield { type: 'text-delta', text };
    if (chunk.done === true) last = chunk;
  }
  if (!last) throw truncatedStream('ollama', 'done: true');
  yield { type: 'usage', input: count(last.prompt_eval_count), output: count(last.eval_count) };
  yield { type: 'finish', reason: mapOllamaDoneReason(last.done_reason) };
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
