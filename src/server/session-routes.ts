/**
 * The session endpoints (docs/protocol.md "Sessions"), id or name accepted wherever an id
 * is, plus `POST /api/v2/sessions/import` (what `aish sessions import` uses
 * with `--server`).
 */
import { AishError, collectAnswer, type SessionMessageRequest } from '../protocol/index.js';
import type { SpecialistService } from '../service/index.js';
import { specialistEvents, SSE_HEADERS } from './sse.js';
import type { AppRequest, Route } from './types.js';
import { asObject, createSessionRequest, optionalBoolean, optionalNumber, optionalString, optionalTimeout, renewSessionRequest } from './validate.js';

export function sessionRoutes(service: SpecialistService): Route[] {
  const id = (params: Record<string, string>): string => decodeURIComponent(params.id!);
  return [
    {
      method: 'POST',
      pattern: /^\/api\/v2\/sessions$/,
      handler: async (request) => {
        const session = await service.createSession(createSessionRequest(await request.json()));
        // An existing session returned to `continue_existing` was not created.
        return { status: session.created === false ? 200 : 201, json: session };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v2\/sessions$/,
      handler: async () => {
        const sessions = await service.listSessions();
        return { status: 200, json: { sessions, total: sessions.length } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/v2\/sessions\/import$/,
      handler: async (request) => ({
        status: 201,
        json: await service.importSession(await request.json(), { force: request.query.get('force') === 'true' }),
      }),
    },
    {
      method: 'GET',
      pattern: /^\/api\/v2\/sessions\/(?<id>[^/]+)$/,
      handler: async (_request, params) => ({ status: 200, json: await service.getSession(id(params)) }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v2\/sessions\/(?<id>[^/]+)\/renew$/,
      // The body is optional: a bare POST renews with the session's own ttl_s.
      handler: async (request, params) => ({ status: 200, json: await service.renewSession(id(params), renewSessionRequest(hasBody(request) ? await request.json() : {})) }),
    },
    {
      method: 'DELETE',
      pattern: /^\/api\/v2\/sessions\/(?<id>[^/]+)$/,
      handler: async (_request, params) => ({ status: 200, json: await service.deleteSession(id(params)) }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v2\/sessions\/(?<id>[^/]+)\/message$/,
      handler: async (request, params) => {
        const body = asObject(await request.json());
        const message = messageRequest(body);
        const events = service.streamSession(id(params), message, request.signal);
        if (body.stream === true) return { status: 200, headers: SSE_HEADERS, stream: await specialistEvents(events) };
        const { content, done } = await collectAnswer(events);
        return {
          status: 200,
          json: { response: content, session_id: done.session_id, message_count: done.message_count, tokens_used: done.tokens_used, context_used: done.context_used },
        };
      },
    },
  ];
}

/** Whether the request says it carries a body (a length above 0, or chunks). */
function hasBody(request: AppRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function messageRequest(body: Record<string, unknown>): SessionMessageRequest {
  const message = body.message;
  if (typeof message !== 'string' || message === '') throw new AishError('BAD_REQUEST', "'message' must be a non-empty string", { field: 'message' });
  const request: SessionMessageRequest = { message };
  const contextWindow = optionalNumber(body, 'context_window', 0, 1_000_000, true);
  const temperature = optionalNumber(body, 'temperature', 0, 2);
  const maxTokens = optionalNumber(body, 'max_tokens', 1, 10_000_000, true);
  const model = optionalString(body, 'model');
  const specialist = optionalString(body, 'specialist_id');
  if (contextWindow !== undefined) request.context_window = contextWindow;
  if (temperature !== undefined) request.temperature = temperature;
  if (maxTokens !== undefined) request.max_tokens = maxTokens;
  if (model !== undefined) request.model = model;
  if (specialist !== undefined) request.specialist_id = specialist;
  const timeout = optionalTimeout(body);
  if (timeout !== undefined) request.timeout = timeout;
  if (optionalBoolean(body, 'no_stream')) request.no_stream = true;
  return request;
}
