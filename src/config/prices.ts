/**
 * What a model costs, in US dollars per million tokens: a built-in table of
 * common hosted models (list prices), which the config file's `prices:`
 * overrides and extends. Local models (`ollama/…`) and `echo` are free.
 */
import { providerDescriptor } from '../protocol/index.js';

/** US dollars per million input and output tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

/** Prices by model: `provider/model` (`openai/gpt-4o-mini`) or a bare model name (`gpt-4o-mini`, any provider). */
export type PriceTable = Record<string, ModelPrice>;

const price = (input: number, output: number): ModelPrice => ({ input, output });

/**
 * List prices of Anthropic and OpenAI models by model name (standard tier,
 * short context). Dated snapshots (`claude-sonnet-4-5-20250929`,
 * `gpt-4o-2024-08-06`) and `-latest` take the price of their name.
 */
export const BUILTIN_PRICES: Readonly<Record<'anthropic' | 'openai', PriceTable>> = {
  anthropic: {
    'claude-opus-4-5': price(5, 25),
    'claude-opus-4-1': price(15, 75),
    'claude-opus-4-0': price(15, 75),
    'claude-opus-4': price(15, 75),
    'claude-sonnet-4-5': price(3, 15),
    'claude-sonnet-4-0': price(3, 15),
    'claude-sonnet-4': price(3, 15),
    'claude-haiku-4-5': price(1, 5),
    'claude-3-7-sonnet': price(3, 15),
    'claude-3-5-sonnet': price(3, 15),
    'claude-3-5-haiku': price(0.8, 4),
    'claude-3-haiku': price(0.25, 1.25),
    'claude-3-opus': price(15, 75),
  },
  openai: {
    'gpt-4o': price(2.5, 10),
    'gpt-4o-mini': price(0.15, 0.6),
    'gpt-4.1': price(2, 8),
    'gpt-4.1-mini': price(0.4, 1.6),
    'gpt-4.1-nano': price(0.1, 0.4),
    'gpt-5': price(1.25, 10),
    'gpt-5-mini': price(0.25, 2),
    'gpt-5-nano': price(0.05, 0.4),
    o1: price(15, 60),
    'o1-mini': price(1.1, 4.4),
    'o1-pro': price(150, 600),
    o3: price(2, 8),
    'o3-mini': price(1.1, 4.4),
    'o3-pro': price(20, 80),
    'o4-mini': price(1.1, 4.4),
  },
};

const FREE: ModelPrice = price(0, 0);

/** `-20250929`, `-2024-08-06` or `-latest` at the end of a model name. */
const SNAPSHOT_SUFFIX = /-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$/;

/**
 * The price of `model` (a model reference as the service reports it:
 * `provider/model`, `echo`, `echo?…`), or undefined when unknown. The config's
 * table is looked up first, by the whole reference and then by the model name.
 */
export function priceOf(model: string, configured: PriceTable = {}): ModelPrice | undefined {
  const slash = model.indexOf('/');
  const provider = slash < 0 ? '' : model.slice(0, slash);
  const name = slash < 0 ? model : model.slice(slash + 1);
  const own = entry(configured, model) ?? entry(configured, name);
  if (own) return own;
  if (model === 'echo' || model.startsWith('echo?') || providerDescriptor(provider)?.free) return FREE;
  const table = Object.hasOwn(BUILTIN_PRICES, provider) ? BUILTIN_PRICES[provider as keyof typeof BUILTIN_PRICES] : undefined;
  return table && (entry(table, name) ?? entry(table, name.replace(SNAPSHOT_SUFFIX, '')));
}

/** Own keys only: a model named `constructor` has no price. */
function entry(table: PriceTable, key: string): ModelPrice | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Dollars for these token counts, or undefined when the price or the counts are unknown (a free model costs 0 regardless). */
export function costOf(model: string | null, tokensIn: number | null, tokensOut: number | null, configured: PriceTable = {}): number | undefined {
  const known = model === null ? undefined : priceOf(model, configured);
  if (!known) return undefined;
  if (known.input === 0 && known.output === 0) return 0;
  if (tokensIn === null || tokensOut === null) return undefined;
  // Twelve significant digits: no float dust (0.000017849999999999997) in the log or in JSON.
  return Number(((tokensIn * known.input + tokensOut * known.output) / 1_000_000).toPrecision(12));
}
