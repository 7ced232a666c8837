/** `ModelRequest` → the `/api/chat` request body. */
import type { ModelMessage, ModelRequest } from '../provider.js';
import { argumentsObject } from '../tool-arguments.js';
import { toolInputSchema } from '../tool-schema.js';
import type { OllamaChatRequest, OllamaMessage } from './api-types.js';

/**
 * The request body: the system prompt as the first message, generation
 * options under `options`.
 *
 * A typed answer is `format`, a grammar the whole output must follow; it
 * leaves a model no way to call a tool, so a request that offers tools goes
 * without it. The answer is still checked against the schema by aish (and
 * repaired as usual) once the model answers in text.
 */
export function toOllamaRequest(model: string, request: ModelRequest): OllamaChatRequest {
  const messages: OllamaMessage[] = [];
  if (request.system) messages.push({ role: 'system', content: request.system });
  const callNames = new Map<string, string>();
  for (const message of request.messages) messages.push(...toOllamaMessages(message, callNames));
  const body: OllamaChatRequest = { model, messages, stream: request.stream !== false };
  if (request.temperature !== undefined) (body.options ??= {}).temperature = request.temperature;
  if (request.maxTokens !== undefined) (body.options ??= {}).num_predict = request.maxTokens;
  if (request.tools?.length) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, ...(tool.description !== undefined && { description: tool.description }), parameters: toolInputSchema(tool.inputSchema) },
    }));
  } else if (request.responseFormat) body.format = request.responseFormat.schema;
  return body;
}

/**
 * One turn → its messages: an assistant turn's calls as `tool_calls` (the
 * arguments as an object); a turn of results as one `tool` message per result,
 * in call order, each named by the call it answers, then the turn's own text
 * (if any) as a user message. `callNames` carries call ids to tool names from
 * one turn to the next.
 */
function toOllamaMessages(message: ModelMessage, callNames: Map<string, string>): OllamaMessage[] {
  if (message.role === 'assistant') {
    if (!message.toolCalls?.length) return [{ role: 'assistant', content: message.content }];
    const tool_calls = message.toolCalls.map((call, index) => {
      callNames.set(call.id, call.name);
      return { type: 'function' as const, function: { index, name: call.name, arguments: argumentsObject(call.arguments) } };
    });
    return [{ role: 'assistant', content: message.content, tool_calls }];
  }
  if (!message.toolResults?.length) return [{ role: 'user', content: message.content }];
  const results: OllamaMessage[] = message.toolResults.map((result) => ({ role: 'tool', tool_name: callNames.get(result.callId) ?? result.name, content: result.content }));
  return message.content === '' ? results : [...results, { role: 'user', content: message.content }];
}
