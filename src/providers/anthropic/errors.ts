/** Reading Anthropic's errors: the error body of a failed request, and `event: error` inside a stream. */
import { isObject } from '../decode.js';
import { inStreamFailure, type ProviderError, type ProviderErrorDetail } from '../provider-error.js';
import type { AnthropicError } from './api-types.js';

/** The status each documented error type has outside a stream (docs.anthropic.com/en/api/errors). */
const STATUS_OF_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** The provider's message from `{"type":"error","error":{"type","message"}}`. */
export function readAnthropicError(body: unknown): ProviderErrorDetail {
  const error = isObject(body) && isObject(body.error) ? (body.error as AnthropicError) : undefined;
  return typeof error?.message === 'string' ? { message: error.message } : {};
}

/** An `event: error` after a 200 (most often `overloaded_error`): read as its status would be. */
export function anthropicStreamFailure(payload: Record<string, unknown>): ProviderError {
  const error = isObject(payload.error) ? (payload.error as AnthropicError) : {};
  const type = typeof error.type === 'string' ? error.type : 'error';
  return inStreamFailure('anthropic', type, STATUS_OF_TYPE[type] ?? 500, readAnthropicError(payload));
}
