/** `ModelRequest` → the Chat Completions request body. */
import type { ModelRequest } from '../provider.js';
import type { OpenAiChatRequest, OpenAiMessage } from './api-types.js';
import { toOpenAiResponseFormat } from './structured-output.js';

/** Which field carries the output-token limit (see `OpenAiChatRequest`). */
export type OpenAiTokenLimitField = 'max_completion_tokens' | 'max_tokens';

/** The request body: the system prompt as the first message; a stream asks for usage (a whole answer always has it). */
export function toOpenAiRequest(model: string, request: ModelRequest, tokenLimitField: OpenAiTokenLimitField): OpenAiChatRequest {
  const messages: OpenAiMessage[] = [];
  if (request.system) messages.push({ role: 'system', content: request.system });
  for (const message of request.messages) messages.push({ role: message.role, content: message.content });
  const body: OpenAiChatRequest = request.stream === false ? { model, messages } : { model, messages, stream: true, stream_options: { include_usage: true } };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.maxTokens !== undefined) body[tokenLimitField] = request.maxTokens;
  if (request.responseFormat) body.response_format = toOpenAiResponseFormat(request.responseFormat);
  return body;
}
