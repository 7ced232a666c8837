/**
 * The one small interface every language-model provider implements: a
 * request and an `AbortSignal` in, an async iterable of typed parts out.
 * Failures inside a stream are `error` parts, not exceptions; non-streaming
 * is "collect the stream".
 */
import type { ErrorCode } from '../protocol/index.js';

/** One turn of the conversation sent to a model. */
export interface ModelMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** What a model is asked: the conversation plus generation options. */
export interface ModelRequest {
  /** The system prompt. */
  system?: string;
  messages: ModelMessage[];
  temperature?: number;
  maxTokens?: number;
  /**
   * `false`: ask the provider for the whole answer in one response (`--no-stream`)
   * instead of a stream; the parts are the same, the text in one `text-delta`.
   */
  stream?: boolean;
  /** Who is asking (a specialist id); the echo model prints it. */
  caller: string;
  /** Ask for JSON matching a schema, with the provider's own structured-output mechanism. */
  responseFormat?: ResponseFormat;
}

/**
 * A typed answer's format. Providers' structured outputs want an object at the
 * top, so a list (`--schema-multi`) is asked for as `{"items": [...]}` and any
 * other value that is not an object as `{"value": …}`; `field` then names the
 * wrapper's one field, which the service unwraps.
 */
export interface ResponseFormat {
  /** A name for the schema (OpenAI's `json_schema.name`, Anthropic's tool name): letters, digits, `_`, `-`. */
  name: string;
  /** The JSON Schema of the whole answer, as the model is asked for it (wrapped, when `field` is set). */
  schema: Record<string, unknown>;
  /** The answer is a list of values (`--schema-multi`), under `field`. */
  multi: boolean;
  /** The wrapper's field that holds the answer; absent when the schema is an object and asked for as it is. */
  field?: string;
}

/** The wrapper field of a list answer. */
export const MULTI_FIELD = 'items';
/** The wrapper field of an answer that is not an object (a string, a number, an array given as the schema). */
export const VALUE_FIELD = 'value';

/**
 * Why a model stopped, in one vocabulary for every provider (OpenAI's words,
 * which the OpenAI-compatible view can pass through unchanged). Each adapter's
 * `finish-reason.ts` maps its provider's own reasons onto these.
 */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other';

/**
 * A failure, as the last part of a stream. `code` and `message` are all most
 * consumers need; the optional fields are there for a retry layer.
 */
export interface ModelErrorPart {
  type: 'error';
  code: ErrorCode;
  message: string;
  /** The provider's HTTP status, when it answered with an error status. */
  status?: number;
  /** How long the provider asked us to wait before trying again, in seconds. */
  retryAfterSeconds?: number;
  /** Whether sending the same request again may succeed (overload, rate limit, network). */
  retryable?: boolean;
}

/**
 * One piece of a model's answer. A stream is any number of `text-delta`
 * parts, at most one `usage` part, then exactly one `finish` or `error` part,
 * which is always the last; a stream cut short by its `AbortSignal` simply ends.
 */
export type ModelPart =
  | { type: 'text-delta'; text: string }
  | { type: 'usage'; input: number; output: number }
  | { type: 'finish'; reason: FinishReason }
  | ModelErrorPart;

/** A language model behind one streaming method. */
export interface LanguageModel {
  /** `provider/model` as configured, e.g. `echo` or `ollama/llama3.1`. */
  readonly reference: string;
  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelPart>;
}
