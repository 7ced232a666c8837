/**
 * The rules every provider's stream keeps, enforced in one place rather than
 * in each adapter: failures become one `error` part (never an exception), the
 * stream ends at its first `finish` or `error` part, and a stream cut short by
 * its `AbortSignal` just ends, with no part about it.
 */
import type { ModelErrorPart, ModelPart } from './provider.js';
import { ProviderError, malformedStream } from './provider-error.js';
import { DecodeError } from './decode.js';

/**
 * Wraps an adapter's part producer. `produce` may throw anywhere (a
 * `ProviderError`, a `DecodeError`, undici's abort error); leaving the
 * returned stream early leaves `produce` too, which closes its HTTP request.
 */
export async function* guardStream(provider: string, signal: AbortSignal, produce: () => AsyncIterable<ModelPart>): AsyncGenerator<ModelPart> {
  if (signal.aborted) return;
  try {
    for await (const part of produce()) {
      if (signal.aborted) return;
      yield part;
      if (part.type === 'finish' || part.type === 'error') return;
    }
  } catch (error) {
    if (!signal.aborted) yield toErrorPart(provider, error);
    return;
  }
  if (!signal.aborted) yield { type: 'error', code: 'INTERNAL', message: `the ${provider} adapter ended a stream without a finish part` };
}

function toErrorPart(provider: string, error: unknown): ModelErrorPart {
  if (error instanceof ProviderError) return error.toPart();
  if (error instanceof DecodeError) return malformedStream(provider, error.message, error).toPart();
  const message = error instanceof Error ? error.message : String(error);
  return { type: 'error', code: 'INTERNAL', message: `the ${provider} adapter failed: ${message}` };
}
