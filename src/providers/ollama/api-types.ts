/**
 * The parts of Ollama's `/api/chat` wire format aish writes and reads.
 * Fields read from the wire are optional: lines are checked as they are used.
 */

/**
 * One message as `/api/chat` takes it; the system prompt is the first message.
 * An assistant turn's calls are in `tool_calls`; each result is a `tool`
 * message naming the tool that produced it (`tool_name`).
 */
export type OllamaMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; tool_calls?: OllamaToolCall[] }
  | { role: 'tool'; tool_name: string; content: string };

/** A tool call as Ollama gives it and takes it back: the arguments are an object, not JSON text. */
export interface OllamaToolCall {
  /** Newer servers give calls an id; older ones none. */
  id?: string;
  type?: 'function';
  function: { index?: number; name: string; arguments: Record<string, unknown> };
}

/** A tool offered to the model, in the function format. */
export interface OllamaTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/** The body of `POST {base_url}/api/chat` as aish sends it. */
export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  /** Ollama streams by default, so both ways are said: `false` for a whole answer (`--no-stream`). */
  stream: boolean;
  /** A typed answer: the JSON Schema the answer must match (structured outputs). */
  format?: Record<string, unknown>;
  /** Tools the model may call (absent when none are offered). */
  tools?: OllamaTool[];
  options?: {
    temperature?: number;
    /** The output-token limit. */
    num_predict?: number;
  };
}

/** One NDJSON line of the answer; metrics appear on the `done: true` line only. */
export interface OllamaChatLine {
  message?: { role?: string; content?: string; tool_calls?: unknown };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  /** Replaces the rest of the stream when the model fails after output started (status still 200). */
  error?: string;
}

/** The body of an error status: `{"error": "…"}`. */
export interface OllamaErrorBody {
  error?: string;
}
