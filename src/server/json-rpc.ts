/**
 * JSON-RPC 2.0 (https://www.jsonrpc.org/specification) without a socket:
 * one text frame in, the frame to send back out (a response, an array of
 * responses for a batch, or nothing when only notifications came). Methods
 * are plain async functions; their errors become JSON-RPC errors here, in
 * one place.
 */
import { AishError, ERROR_TABLE, JSON_RPC_ERRORS, standardRpcMessage, toAishError, type JsonRpcId } from '../protocol/index.js';

export type { JsonRpcId };

/** The error member of a response. */
export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

export type JsonRpcResponse = { jsonrpc: '2.0'; id: JsonRpcId } & ({ result: unknown } | { error: JsonRpcError });

/** One valid call as a method sees it. */
export interface RpcCall {
  method: string;
  /** Named parameters (an absent `params` is `{}`). */
  params: Record<string, unknown>;
  /** The request id; null for a notification (see `notification`). */
  id: JsonRpcId;
  /** A notification (no `id` member): nothing is sent back, not even an error. */
  notification: boolean;
}

/** Runs one call; throws an `RpcError`, an `AishError` or anything else on failure. */
export type RpcDispatch = (call: RpcCall) => Promise<unknown>;

/**
 * An error with its JSON-RPC code. The five codes of the specification keep
 * its wording as `message`; what went wrong in particular goes in `data`,
 * shaped as the HTTP error body (`{code, message, details?}`).
 */
export class RpcError extends Error {
  override readonly name = 'RpcError';

  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }

  toJSON(): JsonRpcError {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data };
  }
}

/** An error of the specification, explained by an `AishError` code and message in `data`. */
function standardError(code: number, failure: AishError): RpcError {
  return new RpcError(code, standardRpcMessage(code)!, errorData(failure));
}

export function invalidRequest(explanation: string): RpcError {
  return standardError(JSON_RPC_ERRORS.invalidRequest.code, new AishError(JSON_RPC_ERRORS.invalidRequest.means, explanation));
}

export function invalidParams(explanation: string, details?: Record<string, unknown>): RpcError {
  return standardError(JSON_RPC_ERRORS.invalidParams.code, new AishError(JSON_RPC_ERRORS.invalidParams.means, explanation, details));
}

export function methodNotFound(method: string, known: string[]): RpcError {
  return standardError(JSON_RPC_ERRORS.methodNotFound.code, new AishError(JSON_RPC_ERRORS.methodNotFound.means, `no method '${method}' (methods: ${known.join(', ')})`));
}

/** The HTTP error body's fields; an unexpected error's own message may hold internals, so it is not sent. */
function errorData(failure: AishError): { code: string; message: string; details?: Record<string, unknown> } {
  const message = failure.code === 'INTERNAL' ? 'internal server error' : failure.message;
  return failure.details ? { code: failure.code, message, details: failure.details } : { code: failure.code, message };
}

/** Anything thrown as a JSON-RPC error: the code from the one error table (protocol/errors.ts). */
export function toRpcError(error: unknown): RpcError {
  if (error instanceof RpcError) return error;
  const failure = toAishError(error);
  const code = ERROR_TABLE[failure.code].rpc;
  if (standardRpcMessage(code) !== undefined) return standardError(code, failure);
  return new RpcError(code, failure.message, errorData(failure));
}

function errorResponse(id: JsonRpcId, error: RpcError): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: error.toJSON() };
}

/**
 * Answers one frame. A batch's calls run concurrently; its responses come
 * back as one array in any order, without the notifications'; a batch of
 * notifications only gets no answer at all.
 */
export function answerFrame(text: string, dispatch: RpcDispatch): Promise<JsonRpcResponse | JsonRpcResponse[] | undefined> {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (error) {
    return Promise.resolve(errorResponse(null, standardError(JSON_RPC_ERRORS.parseError.code, new AishError(JSON_RPC_ERRORS.parseError.means, `malformed JSON: ${(error as Error).message}`))));
  }
  // One request (nearly every frame): its own answer, with no async function around it.
  if (!Array.isArray(message)) return answerOne(message, dispatch);
  return answerBatch(message, dispatch);
}

async function answerBatch(batch: unknown[], dispatch: RpcDispatch): Promise<JsonRpcResponse[] | JsonRpcResponse | undefined> {
  if (batch.length === 0) return errorResponse(null, invalidRequest('an empty batch'));
  const answers = await Promise.all(batch.map((entry) => answerOne(entry, dispatch)));
  const responses = answers.filter((answer): answer is JsonRpcResponse => answer !== undefined);
  return responses.length > 0 ? responses : undefined;
}

/** Answers one element: undefined for a notification, whatever happened. */
async function answerOne(message: unknown, dispatch: RpcDispatch): Promise<JsonRpcResponse | undefined> {
  const checked = checkRequest(message);
  if (checked instanceof RpcError) return errorResponse(idOf(message), checked);
  // Every method of this server takes named parameters (docs/protocol.md); a notification hears nothing of it.
  if (Array.isArray(checked.params)) {
    return checked.notification ? undefined : errorResponse(checked.id, invalidParams(`'params' must be an object: every method takes named parameters`));
  }
  try {
    const result = await dispatch(checked);
    return checked.notification ? undefined : { jsonrpc: '2.0', id: checked.id, result: result ?? null };
  } catch (error) {
    return checked.notification ? undefined : errorResponse(checked.id, toRpcError(error));
  }
}

function isId(value: unknown): value is JsonRpcId {
  return value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** The id of an invalid request when it has a valid one, else null (the specification's rule). */
function idOf(message: unknown): JsonRpcId {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return null;
  const id = (message as Record<string, unknown>).id;
  return isId(id) ? id : null;
}

/** A Request object as the specification defines it, or the error to answer. */
function checkRequest(message: unknown): RpcCall | RpcError {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return invalidRequest('a request must be a JSON object');
  const request = message as Record<string, unknown>;
  if (request.jsonrpc !== '2.0') return invalidRequest(`'jsonrpc' must be "2.0"`);
  if (typeof request.method !== 'string') return invalidRequest(`'method' must be a string`);
  const notification = !('id' in request);
  if (!notification && !isId(request.id)) return invalidRequest(`'id' must be a string, a number or null`);
  const params = request.params;
  if (params !== undefined && (typeof params !== 'object' || params === null)) return invalidRequest(`'params' must be an object or an array`);
  return { method: request.method, params: (params as Record<string, unknown> | undefined) ?? {}, id: notification ? null : (request.id as JsonRpcId), notification };
}
