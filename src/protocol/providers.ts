/**
 * The model providers aish speaks to, one descriptor each: what config
 * loading, `auto`, prices, limits and messages need to know about a provider,
 * as data. The code that talks to it lives in `src/providers/<id>/`, and
 * `src/providers/index.ts` maps each id to it (the compiler asks for that
 * line when an id is added here). Adding a provider: docs/contributing.md.
 */

export interface ProviderDescriptor {
  /** The `provider` of `provider/model` and the key under `providers:` in config.yaml. */
  readonly id: string;
  /** Its name in messages to users ("run Ollama"). */
  readonly name: string;
  /** The environment variable holding its API key when the config gives none; absent: it takes no key (a local server). */
  readonly keyVariable?: string;
  /** Its own service (or a local server's usual address), used when the config gives no `base_url`. */
  readonly defaultBaseUrl: string;
  /** An environment variable that may give the base URL (read as `host`, `host:port` or a URL). */
  readonly baseUrlVariable?: string;
  /** The model `default_model: auto` picks when this provider has a key (in table order). */
  readonly autoModel?: string;
  /** Its built-in `limits:` over the general defaults. */
  readonly limits?: { readonly first_token_timeout?: number };
  /** Its models cost nothing (a model on this machine). */
  readonly free?: boolean;
}

export const PROVIDERS = [
  { id: 'anthropic', name: 'Anthropic', keyVariable: 'ANTHROPIC_API_KEY', defaultBaseUrl: 'https://api.anthropic.com', autoModel: 'anthropic/claude-sonnet-4-5' },
  { id: 'openai', name: 'OpenAI', keyVariable: 'OPENAI_API_KEY', defaultBaseUrl: 'https://api.openai.com/v1', autoModel: 'openai/gpt-4o-mini' },
  // A local model may spend minutes loading before its first token.
  { id: 'ollama', name: 'Ollama', defaultBaseUrl: 'http://127.0.0.1:11434', baseUrlVariable: 'OLLAMA_HOST', limits: { first_token_timeout: 300 }, free: true },
] as const satisfies readonly ProviderDescriptor[];

export type ProviderId = (typeof PROVIDERS)[number]['id'];

/** The ids, in table order. */
export const PROVIDER_IDS: readonly ProviderId[] = PROVIDERS.map((provider) => provider.id);

/** The descriptor of `id`, or undefined for a name that is not a provider. */
export function providerDescriptor(id: string): ProviderDescriptor | undefined {
  return (PROVIDERS as readonly ProviderDescriptor[]).find((provider) => provider.id === id);
}

/** The keys a provider takes under `providers.<id>` in config.yaml. */
export function providerConfigFields(provider: ProviderDescriptor): readonly string[] {
  return provider.keyVariable ? ['api_key', 'base_url', 'limits'] : ['base_url', 'limits'];
}

/** `a, b or c`: a list of names as a sentence says it. */
export function inWords(names: readonly string[], conjunction = 'or'): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} ${conjunction} ${names.at(-1)}`;
}

/**
 * How to get a real model instead of the echo model, from the table: set a
 * key variable, run a keyless (local) provider, or write the config file.
 */
export function realModelHint(): string {
  const table = PROVIDERS as readonly ProviderDescriptor[];
  const keys = table.flatMap((provider) => (provider.keyVariable ? [provider.keyVariable] : []));
  const local = table.flatMap((provider) => (provider.keyVariable ? [] : [provider.name]));
  const ways = [...(keys.length > 0 ? [`set ${inWords(keys)}`] : []), ...(local.length > 0 ? [`run ${inWords(local)}`] : [])];
  return `To use a real model, ${[...ways, ''].join(', ')}or write ~/.config/aish/config.yaml.`;
}
