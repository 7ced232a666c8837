/**
 * The parts of the OpenAI Chat Completions wire format aish writes and reads.
 * Fields read from the wire are optional: OpenAI-compatible servers differ
 * (`choices` may be `[]`, `null` or missing on the usage chunk).
 */

/**
 * One message as Chat Completions takes it; the system prompt is the first
 * message. An assistant turn that called tools carries them in `tool_calls`
 * (its `content` then `null` when it wrote nothing); each result goes back as
 * its own `tool` message naming the call it answers.
 */
export type OpenAiMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: OpenAiToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

/** A tool call as the assistant message of a request carries it (and as a whole answer gives it). */
export interface OpenAiToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A tool offered to the model (`tools` of the request). */
export interface OpenAiTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/** The body of `POST {base_url}/chat/completions` as aish sends it. */
export interface OpenAiChatRequest {
  model: string;
  messages: OpenAiMessage[];
  /** Absent for a whole answer (`--no-stream`). */
  stream?: true;
  /** Asks for a last chunk with usage and `choices: []`. */
  stream_options?: { include_usage: true };
  temperature?: number;
  /** OpenAI's own service: `max_tokens` is deprecated there and refused by reasoning models. */
  max_completion_tokens?: number;
  /** Every other OpenAI-compatible server still reads this name. */
  max_tokens?: number;
  /** A typed answer: JSON matching the schema (structured outputs). */
  response_format?: OpenAiResponseFormat;
  /** Tools the model may call (absent when none are offered). */
  tools?: OpenAiTool[];
}

/** `response_format` for structured outputs. */
export interface OpenAiResponseFormat {
  type: 'json_schema';
  json_schema: { name: string; schema: Record<string, unknown>; strict: boolean };
}

/** One `data:` event of the stream (`chat.completion.chunk`), or an in-stream error. */
export interface OpenAiChunk {
  choices?: OpenAiChoice[] | null;
  usage?: OpenAiUsage | null;
  error?: OpenAiError;
}

/** One choice of a chunk; aish asks for one and reads index 0. */
export interface OpenAiChoice {
  index?: number;
  delta?: { role?: string; content?: string | null; refusal?: string | null; tool_calls?: OpenAiToolCallDelta[] | null } | null;
  finish_reason?: string | null;
}

/**
 * A piece of a streamed tool call. Pieces of one call share `index`; the first
 * has `id` and `function.name`, the rest only more `function.arguments` text.
 */
export interface OpenAiToolCallDelta {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

/** A whole answer (`chat.completion`), when the request did not stream. */
export interface OpenAiCompletion {
  choices?: OpenAiCompletionChoice[] | null;
  usage?: OpenAiUsage | null;
  error?: OpenAiError;
}

/** One choice of a whole answer. */
export interface OpenAiCompletionChoice {
  index?: number;
  message?: { content?: unknown; refusal?: unknown; tool_calls?: unknown } | null;
  finish_reason?: string | null;
}

/** Token counts, on the usage chunk (or the whole answer) only. */
export interface OpenAiUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

/** The error envelope's inner object, in an error body (`{"error": …}`) or in a stream. */
export interface OpenAiError {
  message?: string;
  type?: string;
  code?: string | null;
}
