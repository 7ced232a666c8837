/** Language-model providers behind one streaming interface. */
import type { LanguageModel } from './provider.js';
import { createEchoModel, parseEchoOptions } from './echo.js';

export * from './provider.js';
export { createEchoModel, echoPieces, parseEchoOptions } from './echo.js';

/**
 * Builds the model a reference names. Only the offline `echo` model exists in
 * this version; any other reference is refused by the caller before it gets here.
 */
export function createModel(reference: string): LanguageModel | undefined {
  const [name, query = ''] = reference.split('?', 2) as [string, string?];
  if (name === 'echo') return createEchoModel(reference, parseEchoOptions(query));
  return undefined;
}
