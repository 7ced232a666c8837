/**
 * The parts of the Anthropic Messages wire format aish writes and reads.
 * Fields read from the wire are optional: events are checked as they are used.
 */

/** One message as the Messages API takes it (the system prompt is not a message there). */
export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** The body of `POST {base_url}/v1/messages` as aish sends it. */
export interface AnthropicMessagesRequest {
  model: string;
  /** Required by the API. */
  max_tokens: number;
  /** Absent for a whole answer (`--no-stream`). */
  stream?: true;
  /** The system prompt, top level. */
  system?: string;
  messages: AnthropicMessage[];
  temperature?: number;
  /** A typed answer: one tool whose `input_schema` is the schema … */
  tools?: { name: string; description: string; input_schema: Record<string, unknown> }[];
  /** … which the model must call: its input is the answer. */
  tool_choice?: { type: 'tool'; name: string };
}

/** Token counts; in `message_delta` they are running totals, not increments. */
export interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/** A whole answer (`"type": "message"`), when the request did not stream. */
export interface AnthropicWholeMessage {
  content?: { type?: string; text?: unknown; name?: unknown; input?: unknown }[];
  stop_reason?: string | null;
  usage?: AnthropicUsage;
}

/** `event: message_start`. */
export interface AnthropicMessageStart {
  type: 'message_start';
  message?: { usage?: AnthropicUsage };
}

/** `event: content_block_delta`; only `text_delta` carries answer text. */
export interface AnthropicContentBlockDelta {
  type: 'content_block_delta';
  index?: number;
  delta?: { type?: string; text?: string; partial_json?: string };
}

/** `event: message_delta`: the stop reason and the usage so far. */
export interface AnthropicMessageDelta {
  type: 'message_delta';
  delta?: { stop_reason?: string | null };
  usage?: AnthropicUsage;
}

/** The error object, in an `event: error` and in an error body (`{"type":"error","error":…}`). */
export interface AnthropicError {
  type?: string;
  message?: string;
}
