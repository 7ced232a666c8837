/** `ModelRequest` → the Messages API request body. */
import type { ModelRequest } from '../provider.js';
import type { AnthropicMessagesRequest } from './api-types.js';

/** Anthropic requires `max_tokens`; this is used when the request does not say. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/** The request body: the system prompt top level, `max_tokens` always set; `stream` unless a whole answer is asked for. */
export function toAnthropicRequest(model: string, request: ModelRequest): AnthropicMessagesRequest {
  const body: AnthropicMessagesRequest = {
    model,
    max_tokens: request.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    ...(request.stream !== false && { stream: true as const }),
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
  };
  if (request.system) body.system = request.system;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.responseFormat) {
    // A forced tool is Anthropic's way to structured output: the tool call's input is the answer.
    const { name, schema } = request.responseFormat;
    body.tools = [{ name, description: 'Give the answer as this tool call’s input, matching its schema.', input_schema: schema }];
    body.tool_choice = { type: 'tool', name };
  }
  return body;
}
