/**
 * The one small interface every language-model provider implements: a
 * request and an `AbortSignal` in, an async iterable of typed parts out.
 * Failures inside a stream are `error` parts, not exceptions; non-streaming
 * is "collect the stream".
 */
import type { ErrorCode } from '../protocol/index.js';

export interface ModelMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface ModelRequest {
  /** The system prompt. */
  system?: string;
  messages: ModelMessage[];
  temperature?: number;
  maxTokens?: number;
  /** Who is asking (a specialist id); the echo model prints it. */
  caller: string;
}

export type ModelPart =
  | { type: 'text-delta'; text: string }
  | { type: 'usage'; input: number; output: number }
  | { type: 'finish'; reason: string }
  | { type: 'error'; code: ErrorCode; message: string };

export interface LanguageModel {
  /** `provider/model` as configured, e.g. `echo` or `ollama/llama3.1`. */
  readonly reference: string;
  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelPart>;
}
