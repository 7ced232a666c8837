/** `ModelRequest` → the Chat Completions request body. */
import type { ModelMessage, ModelRequest, ToolDefinition } from '../provider.js';
import type { OpenAiChatRequest, OpenAiMessage, OpenAiTool } from './api-types.js';
import { toolInputSchema } from '../tool-schema.js';
import { toOpenAiResponseFormat } from './structured-output.js';

/** Which field carries the output-token limit (see `OpenAiChatRequest`). */
export type OpenAiTokenLimitField = 'max_completion_tokens' | 'max_tokens';

/**
 * The request body: the system prompt as the first message; a stream asks for
 * usage (a whole answer always has it). Tools and a typed answer go together:
 * the model either calls tools or answers with the JSON `response_format` asks for.
 */
export function toOpenAiRequest(model: string, request: ModelRequest, tokenLimitField: OpenAiTokenLimitField): OpenAiChatRequest {
  const messages: OpenAiMessage[] = [];
  if (request.system) messages.push({ role: 'system', content: request.system });
  for (const message of request.messages) messages.push(...toOpenAiMessages(message));
  const body: OpenAiChatRequest = request.stream === false ? { model, messages } : { model, messages, stream: true, stream_options: { include_usage: true } };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.maxTokens !== undefined) body[tokenLimitField] = request.maxTokens;
  if (request.responseFormat) body.response_format = toOpenAiResponseFormat(request.responseFormat);
  if (request.tools?.length) body.tools = request.tools.map(toOpenAiTool);
  return body;
}

/**
 * One turn → its Chat Completions messages: an assistant turn's calls as
 * `tool_calls`; a turn of results as one `tool` message per result, in call
 * order, then the turn's own text (if any) as a user message.
 */
function toOpenAiMessages(message: ModelMessage): OpenAiMessage[] {
  if (message.role === 'assistant') {
    if (!message.toolCalls?.length) return [{ role: 'assistant', content: message.content }];
    const tool_calls = message.toolCalls.map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.arguments } }));
    return [{ role: 'assistant', content: message.content === '' ? null : message.content, tool_calls }];
  }
  if (!message.toolResults?.length) return [{ role: 'user', content: message.content }];
  const results: OpenAiMessage[] = message.toolResults.map((result) => ({ role: 'tool', tool_call_id: result.callId, content: result.content }));
  return message.content === '' ? results : [...results, { role: 'user', content: message.content }];
}

function toOpenAiTool(tool: ToolDefinition): OpenAiTool {
  return { type: 'function', function: { name: tool.name, ...(tool.description !== undefined && { description: tool.description }), parameters: toolInputSchema(tool.inputSchema) } };
}
