/**
 * The OpenAI-compatible view, so any OpenAI client can talk to the
 * specialists: `GET /v1/models` and `POST /v1/chat/completions`, streaming
 * and not, with `model` naming a specialist. A specialist keeps its own
 * system prompt; the last user message is what it answers.
 */
import { AishError, ERROR_TABLE, requestId, toAishError, type MessageRequest } from '../protocol/index.js';
import type { SpecialistService } from '../service/index.js';
import { mapStarted, SSE_HEADERS, sseEvent } from './sse.js';
import type { AppResponse, Handler, Route } from './types.js';
import { asObject, optionalNumber } from './validate.js';

export function openAiRoutes(service: SpecialistService): Route[] {
  const models: Handler = async () => {
    const list = await service.list();
    return { status: 200, json: { object: 'list', data: list.map((s) => ({ id: s.id, object: 'model', created: 0, owned_by: 'aish' })) } };
  };
  const completions: Handler = async (request) => {
    try {
      return await complete(service, await request.json(), request.signal);
    } catch (error) {
      return openAiError(error);
    }
  };
  return [
    { method: 'GET', pattern: /^\/v1\/models$/, handler: models },
    { method: 'POST', pattern: /^\/v1\/chat\/completions$/, handler: completions },
  ];
}

interface Completion {
  specialist: string;
  request: MessageRequest;
  stream: boolean;
  includeUsage: boolean;
}

function parseCompletion(value: unknown): Completion {
  const body = asObject(value);
  if (typeof body.model !== 'string' || body.model === '') throw new AishError('BAD_REQUEST', "'model' must name a specialist", { field: 'model' });
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw new AishError('BAD_REQUEST', "'messages' must be a non-empty array", { field: 'messages' });
  const users = body.messages.map((message, index) => asObject(message, `messages[${index}]`)).filter((message) => message.role === 'user');
  const last = users[users.length - 1];
  const content = last ? textOf(last.content) : '';
  if (content === '') throw new AishError('BAD_REQUEST', "'messages' must hold a user message with text", { field: 'messages' });
  const request: MessageRequest = { content };
  const temperature = optionalNumber(body, 'temperature', 0, 2);
  const maxTokens = optionalNumber(body, 'max_tokens', 1, 10_000_000, true) ?? optionalNumber(body, 'max_completion_tokens', 1, 10_000_000, true);
  if (temperature !== undefined) request.temperature = temperature;
  if (maxTokens !== undefined) request.max_tokens = maxTokens;
  Object.assign(request, responseFormat(body.response_format));
  const options = body.stream_options === undefined ? {} : asObject(body.stream_options, 'stream_options');
  return { specialist: body.model, request, stream: body.stream === true, includeUsage: options.include_usage === true };
}

/**
 * `response_format`: `json_schema` is a typed answer against its schema
 * (validated and repaired by the service, whatever `strict` says),
 * `json_object` one against "any object", `text` (or none) plain text.
 */
function responseFormat(value: unknown): Pick<MessageRequest, 'schema'> {
  if (value === undefined || value === null) return {};
  const format = asObject(value, "'response_format'");
  switch (format.type) {
    case 'text':
      return {};
    case 'json_object':
      return { schema: { type: 'object' } };
    case 'json_schema': {
      const described = asObject(format.json_schema, "'response_format.json_schema'");
      return { schema: asObject(described.schema ?? {}, "'response_format.json_schema.schema'") };
    }
    default:
      throw new AishError('BAD_REQUEST', "'response_format.type' must be text, json_object or json_schema", { field: 'response_format' });
  }
}

/** OpenAI message content: a string, or an array of parts of which the text parts count. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (typeof part === 'object' && part !== null && (part as { type?: unknown }).type === 'text' ? String((part as { text?: unknown }).text ?? '') : ''))
    .join('');
}

async function complete(service: SpecialistService, value: unknown, signal: AbortSignal): Promise<AppResponse> {
  const completion = parseCompletion(value);
  const id = requestId('chatcmpl-');
  const created = Math.floor(Date.now() / 1000);
  if (!completion.stream) {
    const answer = await service.message(completion.specialist, completion.request, signal);
    return {
      status: 200,
      json: {
        id,
        object: 'chat.completion',
        created,
        model: completion.specialist,
        choices: [{ index: 0, message: { role: 'assistant', content: answer.content, refusal: null }, finish_reason: answer.finish_reason }],
        usage: usage(answer.tokens_used),
      },
    };
  }
  const chunk = (delta: Record<string, unknown>, finishReason: string | null): string =>
    sseEvent({ id, object: 'chat.completion.chunk', created, model: completion.specialist, choices: [{ index: 0, delta, finish_reason: finishReason }] });
  const events = await mapStarted(service.stream(completion.specialist, completion.request, signal), (event) => {
    switch (event.type) {
      case 'start':
        return chunk({ role: 'assistant', content: '' }, null);
      case 'content':
        return chunk({ content: event.data }, null);
      case 'error':
        return sseEvent({ error: { message: event.message, type: 'server_error', code: event.code } }) + sseEvent('[DONE]');
      case 'done': {
        const usageChunk = completion.includeUsage
          ? sseEvent({ id, object: 'chat.completion.chunk', created, model: completion.specialist, choices: [], usage: usage(event.tokens_used) })
          : '';
        return chunk({}, event.finish_reason) + usageChunk + sseEvent('[DONE]');
      }
      default:
        // Tool calls the specialist made are its own business: the OpenAI view shows the answer.
        return '';
    }
  });
  return { status: 200, headers: SSE_HEADERS, stream: events };
}

function usage(tokens: { input: number; output: number }): Record<string, number> {
  return { prompt_tokens: tokens.input, completion_tokens: tokens.output, total_tokens: tokens.input + tokens.output };
}

/** Errors in the shape OpenAI clients expect: `{"error":{"message","type","code"}}`. */
function openAiError(error: unknown): AppResponse {
  const failure = toAishError(error);
  const status = ERROR_TABLE[failure.code].http;
  const type = status < 500 ? 'invalid_request_error' : 'server_error';
  return { status, json: { error: { message: failure.code === 'INTERNAL' ? 'internal server error' : failure.message, type, code: failure.code } } };
}
