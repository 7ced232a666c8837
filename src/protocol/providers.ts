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
  { id: 'anthropic', keyVariable: 'ANTHROPIC_API_KEY', defaultBaseUrl: 'https://api.anthropic.com', autoModel: 'anthropic/claude-sonnet-4-5' },
  { id: 'openai', keyVariable: 'OPENAI_API_KEY', defaultBaseUrl: 'https://api.openai.com/v1', autoModel: 'openai/gpt-4o-mini' },
  // A local model may spend minutes loading before its first token.
  { id: 'ollama', defaultBaseUrl: 'http://127.0.0.1:11434', baseUrlVariable: 'OLLAMA_HOST', limits: { first_token_timeout: 300 }, free: true },
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
