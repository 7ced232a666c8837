/** Reading OpenAI's errors: the error body of a failed request, and an error inside a stream. */
import { isObject } from '../decode.js';
import { inStreamFailure, type ProviderError, type ProviderErrorDetail } from '../provider-error.js';
import type { OpenAiError } from './api-types.js';

/** The provider's message from `{"error": {"message", "type", "code"}}`. */
export function readOpenAiError(body: unknown): ProviderErrorDetail {
  const error = isObject(body) && isObject(body.error) ? (body.error as OpenAiError) : undefined;
  const detail: ProviderErrorDetail = {};
  if (typeof error?.message === 'string') detail.message = error.message;
  // Both kinds of 429 share the status; only the code tells billing (final) from rate (transient).
  if (error?.code === 'insufficient_quota' || error?.type === 'insufficient_quota') detail.retryable = false;
  return detail;
}

/** An `{"error": …}` event in a stream that had started: the status it would have had outside one. */
export function openAiStreamFailure(error: unknown): ProviderError {
  const fields = isObject(error) ? (error as OpenAiError) : {};
  const type = fields.type ?? fields.code ?? 'error';
  return inStreamFailure('openai', type, equivalentStatus(fields), readOpenAiError({ error }));
}

function equivalentStatus(error: OpenAiError): number {
  const kind = error.code ?? error.type;
  if (kind === 'rate_limit_exceeded' || kind === 'insufficient_quota' || kind === 'requests' || kind === 'tokens') return 429;
  if (kind === 'invalid_request_error') return 400;
  return 500;
}
