/**
 * The parts of the Anthropic Messages wire format aish writes and reads.
 * Fields read from the wire are optional: events are checked as they are used.
 */

/**
 * One message as the Messages API takes it (the system prompt is not a
 * message there). Plain text is a string; a turn with tool calls or tool
 * results is a list of content blocks.
 */
export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string | AnthropicContentBlock[];
}

/** The content blocks aish sends: text, the assistant's `tool_use` calls, the user's `tool_result` answers. */
export type AnthropicContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content?: string; is_error?: true };

/** A tool offered to the model (also the forced tool of a typed answer). */
export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
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
  /** Tools the model may call; a typed answer adds one whose `input_schema` is the schema … */
  tools?: AnthropicTool[];
  /** … which the model must call (`tool`), or, with other tools offered, must end with (`any`: every turn calls a tool). */
  tool_choice?: { type: 'tool'; name: string } | { type: 'any' };
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
  content?: { type?: string; text?: unknown; id?: unknown; name?: unknown; input?: unknown }[];
  stop_reason?: string | null;
  usage?: AnthropicUsage;
}

/** `event: message_start`. */
export interface AnthropicMessageStart {
  type: 'message_start';
  message?: { usage?: AnthropicUsage };
}

/** `event: content_block_start`: a text block, or a `tool_use` block with the call's id and name (its input follows in pieces). */
export interface AnthropicContentBlockStart {
  type: 'content_block_start';
  index?: number;
  content_block?: { type?: string; id?: unknown; name?: unknown };
}

/** `event: content_block_delta`: `text_delta` pieces of text, `input_json_delta` pieces of a `tool_use` block's input. */
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
