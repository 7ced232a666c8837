/**
 * `default_model: auto` (docs/cli.md "Configuration"): the first provider of
 * the table (src/protocol/providers.ts) with an `autoModel` whose key is set,
 * else an Ollama that answers, else the offline echo model.
 */
import { connect } from 'node:net';
import { DEFAULT_BASE_URLS, type AishConfig } from './load-config.js';
import { PROVIDERS, type ProviderDescriptor, type ProviderId } from '../protocol/index.js';

/** The models `auto` picks for providers that have a key, in order (the protocol's provider table). */
export const AUTO_MODELS = Object.fromEntries((PROVIDERS as readonly ProviderDescriptor[]).flatMap((provider) => (provider.autoModel ? [[provider.id, provider.autoModel]] : []))) as Readonly<Record<string, string>>;

/**
 * How long `auto` waits for Ollama's model list at its usual address: short,
 * as most machines run none and the probe runs before the first answer.
 */
export const OLLAMA_PROBE_TIMEOUT_MS = 300;

/**
 * How long it waits when the user named Ollama's address (`OLLAMA_HOST`,
 * `providers.ollama.base_url`): they expect an Ollama there, and a busy or
 * remote machine may take more than a moment to answer.
 */
export const NAMED_OLLAMA_PROBE_TIMEOUT_MS = 5000;

/** Asks an Ollama server for a model to chat with; `undefined` when none answers in time. */
export type OllamaProbe = (baseUrl: string, timeoutMs: number) => Promise<string | undefined>;

/**
 * The model `auto` chose. When it is the echo model, the answer writer's echo
 * notice (exec's ECHO_NOTICE) says so, and how to get a real one, once per run.
 */
export interface AutoModelChoice {
  model: string;
}

/** What {@link chooseAutoModel} uses to look for Ollama; {@link probeOllama} by default. */
export interface ChooseAutoModelOptions {
  probeOllama?: OllamaProbe;
}

/** Resolves `default_model`: returned as is unless it is `auto`. */
export async function chooseAutoModel(config: AishConfig, options: ChooseAutoModelOptions = {}): Promise<AutoModelChoice> {
  if (config.default_model !== 'auto') return { model: config.default_model };
  for (const [id, model] of Object.entries(AUTO_MODELS)) if (config.providers[id as ProviderId]?.api_key) return { model };
  const probe = options.probeOllama ?? probeOllama;
  const baseUrl = config.providers.ollama?.base_url ?? DEFAULT_BASE_URLS.ollama;
  const named = baseUrl.replace(/\/+$/, '') !== DEFAULT_BASE_URLS.ollama;
  const ollamaModel = await probe(baseUrl, named ? NAMED_OLLAMA_PROBE_TIMEOUT_MS : OLLAMA_PROBE_TIMEOUT_MS);
  if (ollamaModel) return { model: `ollama/${ollamaModel}` };
  return { model: 'echo' };
}

/**
 * The default probe: `GET <baseUrl>/api/tags`, answered within `timeoutMs`, and
 * the first model that can chat. Every failure (refused, timed out, not JSON,
 * no models) is `undefined`: a missing Ollama is the common case, not an error.
 * A refused connection fails at once, so only a silent host costs the timeout.
 */
export async function probeOllama(baseUrl: string, timeoutMs: number): Promise<string | undefined> {
  const started = Date.now();
  // Most machines run no Ollama: a bare TCP connect says so in a millisecond,
  // without loading an HTTP client on every start.
  if (!(await listening(baseUrl, timeoutMs))) return undefined;
  const signal = AbortSignal.timeout(Math.max(1, timeoutMs - (Date.now() - started)));
  try {
    const { request } = await import('undici');
    // `reset` closes the connection afterwards: a one-off probe should leave no idle socket behind.
    const response = await request(`${baseUrl.replace(/\/+$/, '')}/api/tags`, { method: 'GET', signal, reset: true, headers: { accept: 'application/json' } });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return undefined;
    }
    return firstChatModel(await response.body.json());
  } catch {
    return undefined;
  }
}

/** True when something accepts a TCP connection at the URL's host and port within the time. */
function listening(baseUrl: string, timeoutMs: number): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return Promise.resolve(false);
  }
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answer: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Embedding models are listed too but cannot chat; skip them. */
function firstChatModel(tags: unknown): string | undefined {
  const models = (tags as { models?: unknown } | null)?.models;
  if (!Array.isArray(models)) return undefined;
  for (const model of models) {
    const name = (model as { name?: unknown } | null)?.name;
    if (typeof name === 'string' && name !== '' && !/embed/i.test(name)) return name;
  }
  return undefined;
}
