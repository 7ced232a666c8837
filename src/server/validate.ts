/** Checks request bodies field by field, so a bad body is a 400 that names the field, never a 500. */
import type { CreateSessionRequest, MessageRequest, RenewSessionRequest, SessionMessageRequest } from '../protocol/index.js';
import { badRequest } from './errors.js';

export function asObject(value: unknown, what = 'the request body'): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

export function optionalNumber(body: Record<string, unknown>, field: string, min: number, max: number, integer = false): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw badRequest(`'${field}' must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`, { field });
  }
  return value;
}

export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw badRequest(`'${field}' must be a non-empty string`, { field });
  return value;
}

/** A field that is true, false or absent. */
export function optionalBoolean(body: Record<string, unknown>, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw badRequest(`'${field}' must be true or false`, { field });
  return value;
}

/** `timeout`: the seconds a whole call may take (the client's `--timeout`), so the service never waits past it. */
export function optionalTimeout(body: Record<string, unknown>): number | undefined {
  return optionalNumber(body, 'timeout', 0.001, 86_400);
}

/** The body of `message` and `stream` calls. */
export function messageRequest(value: unknown): MessageRequest {
  const body = asObject(value);
  const content = body.content;
  if (typeof content !== 'string' || content === '') throw badRequest("'content' must be a non-empty string", { field: 'content' });
  const request: MessageRequest = { content };
  const temperature = optionalNumber(body, 'temperature', 0, 2);
  const maxTokens = optionalNumber(body, 'max_tokens', 1, 10_000_000, true);
  const model = optionalString(body, 'model');
  const sessionId = optionalString(body, 'session_id');
  const capability = optionalString(body, 'capability');
  if (capability !== undefined) request.capability = capability;
  const timeout = optionalTimeout(body);
  if (timeout !== undefined) request.timeout = timeout;
  if (temperature !== undefined) request.temperature = temperature;
  if (maxTokens !== undefined) request.max_tokens = maxTokens;
  if (model !== undefined) request.model = model;
  if (sessionId !== undefined) request.session_id = sessionId;
  if (optionalBoolean(body, 'no_stream')) request.no_stream = true;
  typedFields(body, request);
  const cache = optionalBoolean(body, 'cache');
  if (cache !== undefined) request.cache = cache;
  const maxCost = optionalNumber(body, 'max_cost', 0, 1_000_000);
  if (maxCost !== undefined) request.max_cost = maxCost;
  const tools = optionalToolPatterns(body);
  if (tools !== undefined) request.tools = tools;
  return request;
}

/** The body of `POST /api/v2/sessions/{id}/message`, and the params of a JSON-RPC `chat`/`stream` in a session. */
export function sessionMessageRequest(body: Record<string, unknown>): SessionMessageRequest {
  const message = body.message;
  if (typeof message !== 'string' || message === '') throw badRequest("'message' must be a non-empty string", { field: 'message' });
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
  typedFields(body, request);
  const cache = optionalBoolean(body, 'cache');
  if (cache !== undefined) request.cache = cache;
  const maxCost = optionalNumber(body, 'max_cost', 0, 1_000_000);
  if (maxCost !== undefined) request.max_cost = maxCost;
  const tools = optionalToolPatterns(body);
  if (tools !== undefined) request.tools = tools;
  return request;
}

/** `tools`: tool patterns that narrow the specialist's own (`[]`: none); at most 100 strings. */
function optionalToolPatterns(body: Record<string, unknown>): string[] | undefined {
  const tools = body.tools;
  if (tools === undefined) return undefined;
  if (!Array.isArray(tools) || tools.length > 100 || !tools.every((pattern) => typeof pattern === 'string' && pattern.length <= 200)) {
    throw badRequest("'tools' must be a list of tool patterns (SERVER.TOOL or SERVER.*)", { field: 'tools' });
  }
  return tools as string[];
}

/**
 * `schema` (a JSON Schema object) and `schema_multi` of a message body, onto
 * `request`. Whether the schema is valid JSON Schema is the service's to say.
 */
export function typedFields(body: Record<string, unknown>, request: { schema?: Record<string, unknown>; schema_multi?: boolean }): void {
  if (body.schema !== undefined && body.schema !== null) request.schema = asObject(body.schema, "'schema'");
  if (optionalBoolean(body, 'schema_multi')) {
    if (request.schema === undefined) throw badRequest("'schema_multi' needs a 'schema'", { field: 'schema_multi' });
    request.schema_multi = true;
  }
}

/**
 * The body of `POST /api/v2/sessions` and the params of `session.create`;
 * `specialistId` is the default the WebSocket endpoint gives.
 */
export function createSessionRequest(value: unknown, specialistId?: string): CreateSessionRequest {
  const body = asObject(value);
  const specialist = optionalString(body, 'specialist_id') ?? specialistId;
  if (!specialist) throw badRequest("'specialist_id' must name a specialist", { field: 'specialist_id' });
  const request: CreateSessionRequest = { specialist_id: specialist };
  const contextWindow = optionalNumber(body, 'context_window', 0, 1_000_000, true);
  const ttl = optionalNumber(body, 'ttl_s', 0, MAX_TTL_S, true);
  const name = optionalString(body, 'name');
  if (contextWindow !== undefined) request.context_window = contextWindow;
  if (ttl !== undefined) request.ttl_s = ttl;
  if (name !== undefined) request.name = name;
  if (body.metadata !== undefined) request.metadata = asObject(body.metadata, "'metadata'");
  const continueExisting = body.continue_existing;
  if (continueExisting !== undefined && continueExisting !== null) {
    if (typeof continueExisting !== 'boolean') throw badRequest("'continue_existing' must be true or false", { field: 'continue_existing' });
    request.continue_existing = continueExisting;
  }
  return request;
}

/** The body of `POST /api/v2/sessions/{id}/renew` and the params of `session.renew`. */
export function renewSessionRequest(value: unknown): RenewSessionRequest {
  const ttl = optionalNumber(asObject(value), 'ttl_s', 0, MAX_TTL_S, true);
  return ttl === undefined ? {} : { ttl_s: ttl };
}

/** The longest `ttl_s` a session may have: ten years (0 means it never expires). */
const MAX_TTL_S = 10 * 365 * 86_400;
