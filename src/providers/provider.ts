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
  /** An assistant turn that asked for tools: the calls it made (its `content` may be empty). */
  toolCalls?: ToolCall[];
  /**
   * A user turn that carries the results of the previous assistant turn's calls, in the
   * order of those calls (Anthropic's shape; adapters turn it into their provider's own
   * tool messages). Its `content` is then usually empty.
   */
  toolResults?: ToolResult[];
}

/**
 * A tool offered to the model. `name` is already provider-safe (letters, digits,
 * `_`, `-`: the tool loop turns `SERVER.TOOL` into `SERVER__TOOL` and maps the name
 * back itself); adapters pass it through unchanged.
 */
export interface ToolDefinition {
  name: string;
  description?: string;
  /** The JSON Schema of the tool's arguments (an object schema). */
  inputSchema: Record<string, unknown>;
}

/** One tool call a model made, complete (its argument fragments joined). */
export interface ToolCall {
  /** The provider's call id (made up by the adapter when the provider has none, e.g. Ollama). */
  id: string;
  name: string;
  /** The arguments as the JSON text the model wrote (possibly invalid: the loop reports that back). */
  arguments: string;
}

/** The outcome of one tool call, sent back to the model. */
export interface ToolResult {
  /** The `ToolCall.id` this answers. */
  callId: string;
  name: string;
  /** The result as text (a failed or refused call: the error message). */
  content: string;
  isError?: boolean;
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
  /** Tools the model may call; absent or empty: none offered. */
  tools?: ToolDefinition[];
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
 * One piece of a model's answer. A stream is any number of `text-delta` and
 * `tool-call` parts, at most one `usage` part, then exactly one `finish` or `error`
 * part, which is always the last; a stream cut short by its `AbortSignal` simply ends.
 * A stream with `tool-call` parts finishes with reason `tool_calls`; each call is one
 * part, emitted once its arguments are complete.
 */
export type ModelPart =
  | { type: 'text-delta'; text: string }
  | ({ type: 'tool-call' } & ToolCall)
  | { type: 'usage'; input: number; output: number }
  | { type: 'finish'; reason: FinishReason }
  | ModelErrorPart;

/** A language model behind one streaming method. */
export interface LanguageModel {
  /** `provider/model` as configured, e.g. `echo` or `ollama/llama3.1`. */
  readonly reference: string;
  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelPart>;
}
