/**
 * The session endpoints (docs/protocol.md "Sessions"), id or name accepted wherever an id
 * is, plus `POST /api/v2/sessions/import` (what `aish sessions import` uses
 * with `--server`).
 */
import { collectAnswer } from '../protocol/index.js';
import type { SpecialistService } from '../service/index.js';
import { specialistEvents, SSE_HEADERS } from './sse.js';
import type { AppRequest, Route } from './types.js';
import { asObject, createSessionRequest, renewSessionRequest, sessionMessageRequest } from './validate.js';

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
        const message = sessionMessageRequest(body);
        const events = service.streamSession(id(params), message, request.signal);
        if (body.stream === true) return { status: 200, headers: SSE_HEADERS, stream: await specialistEvents(events) };
        const { content, done } = await collectAnswer(events);
        return {
          status: 200,
          json: {
            response: content,
            session_id: done.session_id,
            message_count: done.message_count,
            tokens_used: done.tokens_used,
            context_used: done.context_used,
            ...(done.data !== undefined && { data: done.data }),
          },
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
