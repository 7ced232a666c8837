/**
 * The parts of Ollama's `/api/chat` wire format aish writes and reads.
 * Fields read from the wire are optional: lines are checked as they are used.
 */

/** One message as `/api/chat` takes it; the system prompt is the first message. */
export interface OllamaMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The body of `POST {base_url}/api/chat` as aish sends it. */
export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  /** Ollama streams by default, so both ways are said: `false` for a whole answer (`--no-stream`). */
  stream: boolean;
  /** A typed answer: the JSON Schema the answer must match (structured outputs). */
  format?: Record<string, unknown>;
  options?: {
    temperature?: number;
    /** The output-token limit. */
    num_predict?: number;
  };
}

/** One NDJSON line of the answer; metrics appear on the `done: true` line only. */
export interface OllamaChatLine {
  message?: { role?: string; content?: string };
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
