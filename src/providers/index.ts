/** Language-model providers behind one streaming interface. */
import type { LanguageModel, ModelPart, ModelRequest } from './provider.js';
import { createEchoModel, parseEchoOptions } from './echo.js';
import type { ProviderLimits } from './resilience/limits.js';
import { providerDescriptor, type ProviderId } from '../protocol/index.js';

export * from './provider.js';
export * from './resilience/index.js';
export { createEchoModel, echoPieces, parseEchoOptions, type EchoOptions } from './echo.js';
// The HTTP adapters (and undici under them) load on a model's first call, not
// at start-up: most `aish -c` lines of a script never need them, or need one.
export type { AnthropicModelOptions } from './anthropic/language-model.js';
export type { OllamaModelOptions } from './ollama/language-model.js';
export type { OpenAiModelOptions } from './openai/language-model.js';

/**
 * The `providers:` section of the configuration, as the config layer resolved
 * it (environment variables already substituted). Missing base URLs mean the
 * providers' own services (OpenAI, Anthropic) or a local Ollama.
 */
export type ProviderSettings = Partial<Record<ProviderId, KeyedSettings>>;

/** A provider's settings (`api_key` only for those that take one). */
export interface KeyedSettings {
  api_key?: string;
  /** `api_key: ${NAME}` named this unset variable: calls fail and say so instead of sending no key. */
  api_key_unset?: string;
  base_url?: string;
  limits?: ProviderLimits;
}

/** How a model's HTTP connections are made. */
export interface ConnectionOptions {
  /** Opening a connection (TCP and TLS) gives up after this long; 0 = no limit (default 10 s). */
  connectTimeoutMs?: number;
}

/** What every adapter's factory takes; a provider without keys ignores `apiKey`. */
interface AdapterOptions {
  reference: string;
  model: string;
  apiKey?: string;
  baseUrl?: string;
  dispatcher?: import('undici').Dispatcher;
}

/**
 * How each provider of the protocol's table is made: its adapter module, loaded
 * on a model's first call. A provider added to the table without a line here
 * is a type error.
 */
const ADAPTERS: Record<ProviderId, (options: AdapterOptions) => Promise<LanguageModel>> = {
  openai: async (options) => (await import('./openai/language-model.js')).createOpenAiModel(options),
  anthropic: async (options) => (await import('./anthropic/language-model.js')).createAnthropicModel(options),
  ollama: async (options) => (await import('./ollama/language-model.js')).createOllamaModel(options),
};

/**
 * Builds the model a reference names: `echo` (with `?ttft_ms=…&tps=…`) or
 * `<provider>/<model>` for a provider of the protocol's table; `undefined` for
 * anything else. Nothing is checked or sent here: a missing API key or an
 * unreachable server shows up as the `error` part of the first stream.
 */
export function createModel(reference: string, settings: ProviderSettings = {}, connection: ConnectionOptions = {}): LanguageModel | undefined {
  if (reference === 'echo' || reference.startsWith('echo?')) {
    return createEchoModel(reference, parseEchoOptions(reference.slice('echo?'.length)));
  }
  const slash = reference.indexOf('/');
  const provider = providerDescriptor(reference.slice(0, slash));
  // Everything after the first slash is the model: names may hold slashes
  // (`openai/meta-llama/Llama-3-8B` on OpenRouter) and tags (`llama3.1:8b`).
  const model = reference.slice(slash + 1);
  if (slash <= 0 || model === '' || !provider) return undefined;
  const given = settings[provider.id as ProviderId];
  if (given?.api_key_unset && !given.api_key) return failingModel(reference, `${provider.id}: api_key comes from \${${given.api_key_unset}}, which is not set`);
  const options = { reference, model, ...withDefined({ apiKey: given?.api_key, baseUrl: given?.base_url }) };
  const create = ADAPTERS[provider.id as ProviderId];
  return loadOnFirstCall(reference, async () => create({ ...options, ...(await dispatcherOption(connection)) }));
}

/** A model whose every call fails at once with `message` (a mistake in the config, not worth a retry). */
function failingModel(reference: string, message: string): LanguageModel {
  return {
    reference,
    async *stream(): AsyncIterable<ModelPart> {
      yield { type: 'error', code: 'PROVIDER_ERROR', message, retryable: false };
    },
  };
}

/** The shared keep-alive pool for this connect timeout (undici loads here, on a model's first call). */
async function dispatcherOption(connection: ConnectionOptions): Promise<{ dispatcher?: import('undici').Dispatcher }> {
  if (connection.connectTimeoutMs === undefined) return {};
  return { dispatcher: (await import('./http.js')).sharedDispatcher(connection.connectTimeoutMs) };
}

/** Drops keys whose value is undefined or empty (an unset `${VARIABLE}` in the config reads as ''). */
function withDefined<T extends Record<string, string | undefined>>(values: T): Partial<Record<keyof T, string>> {
  const result: Partial<Record<keyof T, string>> = {};
  for (const key of Object.keys(values) as (keyof T)[]) {
    const value = values[key];
    if (value !== undefined && value !== '') result[key] = value;
  }
  return result;
}

/** A model whose adapter module is imported when it is first asked to answer. */
function loadOnFirstCall(reference: string, load: () => Promise<LanguageModel>): LanguageModel {
  let loaded: Promise<LanguageModel> | undefined;
  return {
    reference,
    async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelPart> {
      loaded ??= load();
      yield* (await loaded).stream(request, signal);
    },
  };
}
