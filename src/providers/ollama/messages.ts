/** `ModelRequest` → the `/api/chat` request body. */
import type { ModelRequest } from '../provider.js';
import type { OllamaChatRequest, OllamaMessage } from './api-types.js';

/** The request body: the system prompt as the first message, generation options under `options`. */
export function toOllamaRequest(model: string, request: ModelRequest): OllamaChatRequest {
  const messages: OllamaMessage[] = [];
  if (request.system) messages.push({ role: 'system', content: request.system });
  for (const message of request.messages) messages.push({ role: message.role, content: message.content });
  const body: OllamaChatRequest = { model, messages, stream: request.stream !== false };
  if (request.temperature !== undefined) (body.options ??= {}).temperature = request.temperature;
  if (request.maxTokens !== undefined) (body.options ??= {}).num_predict = request.maxTokens;
  if (request.responseFormat) body.format = request.responseFormat.schema;
  return body;
}
