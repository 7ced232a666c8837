/** Checking model references: `auto`, `echo[?ttft_ms=…&tps=…]` or `provider/model`. */

import { PROVIDER_IDS } from '../protocol/index.js';

/** The providers a `provider/model` reference may name: the protocol's provider table. */
export { PROVIDER_IDS, type ProviderId } from '../protocol/index.js';

const ECHO_OPTIONS: Record<string, { min: number; above: boolean }> = {
  ttft_ms: { min: 0, above: false },
  tps: { min: 0, above: true },
};

/**
 * What is wrong with `reference` as a model, or `undefined` when it is valid.
 * The model part of `provider/model` may itself hold slashes: OpenAI-compatible
 * servers such as OpenRouter name models `meta-llama/llama-3.1-8b-instruct`.
 */
export function modelReferenceProblem(reference: string): string | undefined {
  if (reference === 'auto' || reference === 'echo') return undefined;
  if (reference.startsWith('echo?')) return echoProblem(reference.slice('echo?'.length));
  const slash = reference.indexOf('/');
  if (slash < 0) return `expected auto, echo or provider/model (provider: ${PROVIDER_IDS.join(', ')}), got ${JSON.stringify(reference)}`;
  const provider = reference.slice(0, slash);
  const model = reference.slice(slash + 1);
  if (!(PROVIDER_IDS as readonly string[]).includes(provider)) {
    return `unknown provider ${JSON.stringify(provider)} in ${JSON.stringify(reference)} (expected ${PROVIDER_IDS.join(', ')}; openai with a base_url covers OpenAI-compatible servers)`;
  }
  if (model === '' || /\s/.test(model)) return `expected a model name after "${provider}/", got ${JSON.stringify(reference)}`;
  return undefined;
}

function echoProblem(query: string): string | undefined {
  for (const [name, value] of new URLSearchParams(query)) {
    const rule = ECHO_OPTIONS[name];
    if (!rule) return `unknown echo option ${JSON.stringify(name)} (expected ${Object.keys(ECHO_OPTIONS).join(' or ')})`;
    const number = value.trim() === '' ? NaN : Number(value);
    const fits = Number.isFinite(number) && (rule.above ? number > rule.min : number >= rule.min);
    if (!fits) return `echo option ${name}: expected a number ${rule.above ? 'above' : 'of at least'} ${rule.min}, got ${JSON.stringify(value)}`;
  }
  return undefined;
}
