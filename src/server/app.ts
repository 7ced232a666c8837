/**
 * The server core: request → response, no sockets (the adapter in http.ts
 * owns those). The routes of docs/protocol.md except sessions, bulk and WebSocket.
 */
import type { BackendState } from '../coord/index.js';
import { AishError, DEFAULT_ROUTE_THRESHOLD } from '../protocol/index.js';
import type { SpecialistService } from '../service/index.js';
import { bulkRoutes } from './bulk-routes.js';
import { errorResponse } from './errors.js';
import type { LineRunner } from '../mcp/index.js';
import { mcpRoutes } from './mcp-route.js';
import { openAiRoutes } from './openai.js';
import { sessionRoutes } from './session-routes.js';
import { SSE_HEADERS, specialistEvents } from './sse.js';
import type { AppRequest, AppResponse, Handler, Route } from './types.js';
import { asObject, messageRequest, optionalNumber } from './validate.js';

export const SERVER_VERSION = '0.1.0';

export interface AppOptions {
  service: SpecialistService;
  startedAt?: number;
  /** The request body limit; bulk `{op}` substitution may not build a larger message (default 1 MiB). */
  maxBodyBytes?: number;
  /** Runs the MCP tool `run_pipeline`'s lines (the cli gives the shell's runner); without it `/mcp` offers no such tool. */
  mcpLines?: LineRunner;
  /** Each backend the server depends on (`db`, `redis`) and whether it answers, for `GET /health`; absent: none reported. */
  backends?: () => Promise<Record<string, BackendState>>;
}

/** The server core: answers a request; says which requests are streams before they run. */
export interface App {
  (request: AppRequest): Promise<AppResponse>;
  /** Whether the route for `method` and `path` always answers with a stream (its `streams` flag). */
  streams(method: string, path: string): boolean;
}

/** Every HTTP route the server answers (the WebSocket endpoint is ws.ts's `WEBSOCKET_ENDPOINT`). */
export function appRoutes(options: AppOptions): Route[] {
  return [...apiRoutes(options), ...sessionRoutes(options.service), ...bulkRoutes(options.service, options.maxBodyBytes), ...openAiRoutes(options.service), ...mcpRoutes(options.service, options.mcpLines)];
}

export function createApp(options: AppOptions): App {
  const routes = appRoutes(options);
  const app = async (request: AppRequest): Promise<AppResponse> => {
    const matching = routes.map((route) => ({ route, match: route.pattern.exec(request.path) })).filter((entry) => entry.match);
    if (matching.length === 0) return errorResponse(new AishError('NOT_FOUND', `no route for ${request.path}`));
    const found = matching.find((entry) => entry.route.method === request.method);
    if (!found) {
      const allow = [...new Set(matching.map((entry) => entry.route.method))].join(', ');
      return errorResponse(new AishError('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${request.path} (allowed: ${allow})`), { allow });
    }
    try {
      return await found.route.handler(request, { ...found.match!.groups });
    } catch (error) {
      return errorResponse(error);
    }
  };
  const streams = (method: string, path: string): boolean => routes.some((route) => route.streams && route.method === method && route.pattern.test(path));
  return Object.assign(app, { streams });
}

function apiRoutes({ service, startedAt = Date.now(), backends }: AppOptions): Route[] {
  const message: Handler = async (request, { id }) => ({
    status: 200,
    json: await service.message(decodeURIComponent(id!), messageRequest(await request.json()), request.signal),
  });
  const stream: Handler = async (request, { id }) => {
    const body = request.method === 'GET' ? queryBody(request.query) : await request.json();
    const events = service.stream(decodeURIComponent(id!), messageRequest(body), request.signal);
    // Errors before the stream starts (unknown specialist, bad model) are plain HTTP errors.
    return { status: 200, headers: SSE_HEADERS, stream: await specialistEvents(events) };
  };
  return [
    {
      method: 'GET',
      pattern: /^\/health$/,
      handler: async () => {
        const states = (await backends?.()) ?? {};
        const down = Object.keys(states).filter((name) => states[name] !== 'ok');
        // A backend that is down makes the replica unhealthy: a load balancer stops sending it calls it would refuse.
        return {
          status: down.length ? 503 : 200,
          json: {
            status: down.length ? 'unavailable' : 'ok',
            ...states,
            ...(down.length && { down }),
            version: SERVER_VERSION,
            uptime_s: Math.round((Date.now() - startedAt) / 1000),
            specialists: (await service.list()).length,
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/capabilities$/,
      handler: async () => ({
        status: 200,
        json: {
          version: SERVER_VERSION,
          features: { streaming: true, sessions: true, bulk_operations: true, websocket: true, enhanced_discovery: true, openai_compatible: true },
          api_versions: ['v1', 'v2'],
        },
      }),
    },
    {
      method: 'GET',
      pattern: /^\/api\/v2\/discovery\/ais$/,
      handler: async (request) => {
        const ais = await service.discover(discoveryFilter(request.query));
        return { status: 200, json: { ais, total: ais.length, timestamp: new Date().toISOString() } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v2\/discovery\/best$/,
      handler: async (request) => {
        const capability = request.query.get('capability');
        if (!capability) throw new AishError('BAD_REQUEST', "the 'capability' query parameter is required", { field: 'capability' });
        const threshold = numberParam(request.query, 'threshold', 0, 1) ?? DEFAULT_ROUTE_THRESHOLD;
        return { status: 200, json: await service.best(capability, threshold) };
      },
    },
    { method: 'POST', pattern: /^\/api\/v2\/ai\/(?<id>[^/]+)\/message$/, handler: message },
    { method: 'POST', pattern: /^\/api\/v1\/ai\/(?<id>[^/]+)\/message$/, handler: message },
    { method: 'POST', pattern: /^\/api\/v2\/ai\/(?<id>[^/]+)\/stream$/, handler: stream, streams: true },
    { method: 'GET', pattern: /^\/api\/v2\/ai\/(?<id>[^/]+)\/stream$/, handler: stream, streams: true },
  ];
}

/** `GET …/stream?content=…` so that a browser EventSource works. */
function queryBody(query: URLSearchParams): Record<string, unknown> {
  const body: Record<string, unknown> = { content: query.get('content') ?? undefined };
  for (const field of ['temperature', 'max_tokens']) {
    const value = query.get(field);
    if (value !== null) body[field] = Number(value);
  }
  const model = query.get('model');
  if (model !== null) body.model = model;
  return body;
}

function numberParam(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  return optionalNumber(asObject({ [name]: Number(raw) }), name, min, max);
}

function discoveryFilter(query: URLSearchParams): Parameters<SpecialistService['discover']>[0] {
  const status = query.get('status');
  if (status !== null && status !== 'active' && status !== 'degraded' && status !== 'unavailable') {
    throw new AishError('BAD_REQUEST', "'status' must be active, degraded or unavailable", { field: 'status' });
  }
  const filter: Parameters<SpecialistService['discover']>[0] = {};
  const capability = query.get('capability');
  const minScore = numberParam(query, 'min_score', 0, 1);
  if (capability) filter.capability = capability;
  if (minScore !== undefined) filter.min_score = minScore;
  if (status) filter.status = status;
  return filter;
}
