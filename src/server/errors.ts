/** Errors as HTTP: `{"error":{"code","message","details"}}` with the status from the one error table. */
import { AishError, ERROR_TABLE, toAishError, type ErrorCode } from '../protocol/index.js';
import type { AppResponse } from './types.js';

export function errorResponse(error: unknown, headers?: Record<string, string>): AppResponse {
  const failure = error instanceof AishError ? error : toAishError(error);
  // An unexpected error's own message may hold internals: the client gets a generic one.
  const message = failure.code === 'INTERNAL' ? 'internal server error' : failure.message;
  const body: { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } = { error: { code: failure.code, message } };
  if (failure.details) body.error.details = failure.details;
  // A server's daily cap says what it is and what was spent.
  const limit = failure.code === 'BUDGET_EXCEEDED' ? failure.details?.limit_usd : undefined;
  if (typeof limit === 'number') headers = { ...headers, 'x-budget-limit': String(limit), 'x-budget-spent': String(failure.details?.spent_usd ?? '') };
  return { status: ERROR_TABLE[failure.code].http, json: body, ...(headers && { headers }) };
}

export function badRequest(message: string, details?: Record<string, unknown>): AishError {
  return new AishError('BAD_REQUEST', message, details);
}
