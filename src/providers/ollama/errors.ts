/** Reading Ollama's errors: the body of an error status, and an `{"error": …}` line inside a stream. */
import { isObject } from '../decode.js';
import { inStreamFailure, type ProviderError, type ProviderErrorDetail } from '../provider-error.js';

/** The provider's message from `{"error": "…"}`. */
export function readOllamaError(body: unknown): ProviderErrorDetail {
  return isObject(body) && typeof body.error === 'string' ? { message: body.error } : {};
}

/**
 * An error line after output started. Ollama gives it no type or status, so
 * it reads as a server error (500) would.
 */
export function ollamaStreamFailure(message: string): ProviderError {
  return inStreamFailure('ollama', undefined, 500, { message });
}
