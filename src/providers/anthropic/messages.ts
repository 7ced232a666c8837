/** `ModelRequest` → the Messages API request body. */
import type { ModelMessage, ModelRequest } from '../provider.js';
import { argumentsObject } from '../tool-arguments.js';
import { toolInputSchema } from '../tool-schema.js';
import type { AnthropicContentBlock, AnthropicMessage, AnthropicMessagesRequest, AnthropicTool } from './api-types.js';

/** Anthropic requires `max_tokens`; this is used when the request does not say. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/** What the forced tool of a typed answer tells the model. */
const ANSWER_TOOL_DESCRIPTION = 'Give the answer as this tool call’s input, matching its schema.';

/**
 * The request body: the system prompt top level, `max_tokens` always set;
 * `stream` unless a whole answer is asked for.
 *
 * A typed answer is a forced tool (Anthropic's way to structured output: the
 * call's input is the answer). With other tools offered too, the answer tool
 * joins them and `tool_choice` is `any`: each turn either calls tools or ends
 * by calling the answer tool.
 */
export function toAnthropicRequest(model: string, request: ModelRequest): AnthropicMessagesRequest {
  const body: AnthropicMessagesRequest = {
    model,
    max_tokens: request.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    ...(request.stream !== false && { stream: true as const }),
    messages: request.messages.map(toAnthropicMessage),
  };
  if (request.system) body.system = request.system;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  const tools: AnthropicTool[] = (request.tools ?? []).map((tool) => ({
    name: tool.name,
    ...(tool.description !== undefined && { description: tool.description }),
    input_schema: toolInputSchema(tool.inputSchema),
  }));
  if (request.responseFormat) {
    const { name, schema } = request.responseFormat;
    body.tool_choice = tools.length > 0 ? { type: 'any' } : { type: 'tool', name };
    tools.push({ name, description: ANSWER_TOOL_DESCRIPTION, input_schema: schema });
  }
  if (tools.length > 0) body.tools = tools;
  return body;
}

/**
 * One turn → a message. Text alone stays a string. An assistant turn with
 * calls is its text block (if any) then a `tool_use` block per call; a turn of
 * results is a `tool_result` block per result, in call order (the API wants
 * them first), then its text (if any). Empty text blocks are left out: the API
 * refuses them.
 */
function toAnthropicMessage(message: ModelMessage): AnthropicMessage {
  const text: AnthropicContentBlock[] = message.content === '' ? [] : [{ type: 'text', text: message.content }];
  if (message.role === 'assistant' && message.toolCalls?.length) {
    const calls = message.toolCalls.map((call): AnthropicContentBlock => ({ type: 'tool_use', id: call.id, name: call.name, input: argumentsObject(call.arguments) }));
    return { role: 'assistant', content: [...text, ...calls] };
  }
  if (message.role === 'user' && message.toolResults?.length) {
    const results = message.toolResults.map(
      (result): AnthropicContentBlock => ({
        type: 'tool_result',
        tool_use_id: result.callId,
        ...(result.content !== '' && { content: result.content }),
        ...(result.isError && { is_error: true as const }),
      }),
    );
    return { role: 'user', content: [...results, ...text] };
  }
  return { role: message.role, content: message.content };
}
