/**
 * Loading the configuration (docs/cli.md "Configuration"): config.yaml, then the
 * Markdown specialists, merged over the built-in roster, with the environment
 * standing in for whatever the file leaves out.
 */
// Synchronous reads: a config is small, and node:fs/promises costs start-up time.
import { statSync } from 'node:fs';
import type { BudgetFields, CacheFields } from './spending-sections.js';
import { baseUrlProblem, readConfigFile, trimTrailingSlashes, type FileSettings, type RenderSetting, type ServerFields } from './config-file.js';
import { readTextFile } from '../protocol/index.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import type { LimitFields } from './limits-section.js';
import type { McpServerFields } from './mcp-servers.js';
import type { SpecialistPatch } from './specialist-entry.js';
import { readMarkdownSpecialists } from './markdown-specialists.js';
import { configFile, homeFolder, specialistsFolder, type Env } from './paths.js';
import type { PriceTable } from './prices.js';
import { mergeRoster } from './roster-merge.js';
import { builtinRoster, type SpecialistDefinition } from './roster.js';
import { loadYamlParser, YamlSource } from './yaml-source.js';
import { PROVIDERS, type ProviderDescriptor, type ProviderId } from '../protocol/index.js';

/** A provider reached with an API key. `api_key` is absent when not set (or set empty). */
export interface KeyedProviderSettings {
  api_key?: string;
  /** Set when `api_key: ${NAME}` named an unset variable: the variable, so using the provider says so. */
  api_key_unset?: string;
  /** Without a trailing slash; `openai`'s includes the version path (`…/v1`). */
  base_url?: string;
  /** `providers.<name>.limits`, over the top-level `limits:`. */
  limits?: LimitFields;
}

/** `server:` settings; absent ones take the server's defaults (docs/protocol.md "Errors, limits, security"). */
export type ServerSettings = ServerFields;

/** The configuration aish runs with. */
export interface AishConfig {
  /** The config file read, or `undefined` when there was none. */
  file: string | undefined;
  /** Every provider of the protocol's table is present, with its base URL filled in (its default when not given). */
  providers: Partial<Record<ProviderId, KeyedProviderSettings>>;
  /** The top-level `limits:` (timeouts, retries, breaker of provider calls); absent keys take the built-in defaults. */
  limits: LimitFields;
  /** `auto`, `echo[?…]` or `provider/model`; `auto` unless the file says otherwise. */
  default_model: string;
  /** The merged roster: built-in (unless `builtin_roster: false`), config.yaml, then Markdown files. */
  specialists: SpecialistDefinition[];
  server: ServerSettings;
  /** `prices:` from the file (model → USD per million tokens); the built-in table is in prices.ts. */
  prices: PriceTable;
  /** `render:` — formatted Markdown for answers on a terminal: `auto` unless the file says otherwise. */
  render: RenderSetting;
  /** `sessions:` — `ttl` in seconds for new sessions (0 = never) and `lock_lease` in seconds; absent means the service's defaults (30 days, 10 s). */
  sessions: { ttl?: number; lock_lease?: number };
  /** `mcp:` — `allow_unix` lets MCP clients' `run_pipeline` run Unix commands (false unless the file says so). */
  mcp: { allow_unix: boolean };
  /** `budget:` — `per_run` and `per_day` caps in US dollars; absent means no cap. */
  budget: BudgetFields;
  /** `cache:` — `enabled` and `ttl` (seconds); absent means off, a week. */
  cache: CacheFields;
  /** `mcp_servers:` — the MCP servers specialists' tools come from (none unless the file names some). */
  mcp_servers: Record<string, McpServerFields>;
  /** `tools_confirm:` — the REPL and `aish chat` ask before each tool call (false unless the file says so). */
  tools_confirm: boolean;
}

/** What {@link loadConfig} reads. */
export interface LoadConfigOptions {
  /** Environment for `${NAME}`, paths and provider keys; `process.env` when absent. */
  env?: Env;
  /** The config file; `configFile(env)` when absent. */
  file?: string;
  /** A missing file is an error (for an explicit `--config`); otherwise it means defaults. */
  required?: boolean;
}

/** The base URLs used when neither the file nor the environment gives one (docs/cli.md). */
export const DEFAULT_BASE_URLS = Object.fromEntries(PROVIDERS.map((provider) => [provider.id, provider.defaultBaseUrl])) as Record<ProviderId, string>;

/**
 * Loads and checks the configuration. A missing config file is not an error
 * (defaults and the built-in roster); anything wrong is a {@link ConfigError}
 * listing every problem found, each with its file, line and key.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<AishConfig> {
  const env = options.env ?? process.env;
  const file = options.file ?? configFile(env);
  const problems: ConfigProblem[] = [];
  // A file named on purpose (AISH_CONFIG, --config) must exist; only the default may be missing.
  const named = options.file === undefined && Boolean(env.AISH_CONFIG);
  const text = await readConfigText(file, options.required ?? named, problems, named ? ' named by AISH_CONFIG' : '');
  if (text !== undefined) await loadYamlParser();
  const settings: FileSettings = text === undefined ? { providers: {}, specialists: [], server: {}, prices: {} } : readConfigFile(new YamlSource(file, text, env, problems));
  const markdown = await readMarkdownSpecialists(specialistsFolder(env), env, problems);
  const base = settings.builtin_roster === false ? [] : builtinRoster();
  const patches = [...settings.specialists, ...markdown];
  const specialists = mergeRoster(base, patches, problems);
  checkToolServers(patches, settings.mcp_servers ?? {}, problems);
  const providers = resolveProviders(settings.providers, env, problems);
  if (problems.length > 0) throw new ConfigError(inFileOrder(problems), { home: homeFolder(env) });
  return { file: text === undefined ? undefined : file, providers, default_model: settings.default_model ?? 'auto', specialists, server: settings.server, limits: settings.limits ?? {}, prices: settings.prices, render: settings.render ?? 'auto', sessions: settings.sessions ?? {}, mcp: { allow_unix: settings.mcp?.allow_unix ?? false }, budget: settings.budget ?? {}, cache: settings.cache ?? {}, mcp_servers: settings.mcp_servers ?? {}, tools_confirm: settings.tools_confirm ?? false };
}

/** Every tool pattern of a specialist names a server of `mcp_servers:`. */
function checkToolServers(patches: readonly SpecialistPatch[], servers: Record<string, McpServerFields>, problems: ConfigProblem[]): void {
  for (const patch of patches) {
    for (const item of patch.tools ?? []) {
      const server = item.value.slice(0, item.value.indexOf('.'));
      if (Object.hasOwn(servers, server)) continue;
      const known = Object.keys(servers);
      const hint = known.length === 0 ? 'no servers are configured under mcp_servers' : `mcp_servers has ${known.join(', ')}`;
      problems.push({ file: patch.place.file, line: item.line, key: item.key, message: `no MCP server named ${JSON.stringify(server)} (${hint})` });
    }
  }
}

/**
 * `OLLAMA_HOST` as a base URL, read the way Ollama reads it: `host`, `host:port`
 * or a URL; without a scheme the port defaults to 11434. A listen-everywhere
 * address (`0.0.0.0`, `::`) means this machine when used to connect.
 */
export function ollamaHostUrl(value: string): string | undefined {
  let text = value.trim();
  const schemeGiven = text.includes('://');
  if (!schemeGiven) text = `http://${text}`;
  text = text.replace(/^([a-z]+:\/\/)(:|\/|$)/i, '$1127.0.0.1$2');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (baseUrlProblem(url.href) !== undefined) return undefined;
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  if (!schemeGiven && url.port === '') url.port = '11434';
  return trimTrailingSlashes(url.href);
}

/** Problems are found section by section; users read them top to bottom, file by file. */
function inFileOrder(problems: ConfigProblem[]): ConfigProblem[] {
  const files = [...new Set(problems.map((problem) => problem.file))];
  const rank = (problem: ConfigProblem): [number, number] => [files.indexOf(problem.file), problem.line ?? 0];
  return [...problems].sort((a, b) => rank(a)[0] - rank(b)[0] || rank(a)[1] - rank(b)[1]);
}

async function readConfigText(file: string, required: boolean, problems: ConfigProblem[], origin = ''): Promise<string | undefined> {
  // Most starts have no config file: a stat that finds nothing spares a thrown ENOENT (the first costs most of a millisecond).
  if (!required && statSync(file, { throwIfNoEntry: false }) === undefined) return undefined;
  try {
    return readTextFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return undefined;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder, not a file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    problems.push({ file, message: `cannot read the config file${origin}: ${reason}` });
    return undefined;
  }
}

/**
 * The providers as if the documented default `providers:` block were there:
 * an API key the file does not give comes from the provider's key variable
 * (`ANTHROPIC_API_KEY`…), a base URL from its base URL variable (`OLLAMA_HOST`)
 * or its default.
 */
function resolveProviders(file: FileSettings['providers'], env: Env, problems: ConfigProblem[]): AishConfig['providers'] {
  const providers: AishConfig['providers'] = {};
  for (const provider of PROVIDERS as readonly ProviderDescriptor[]) {
    const given = file[provider.id as ProviderId];
    const baseUrl = given?.base_url ?? baseUrlFromEnv(provider.baseUrlVariable, env, problems) ?? provider.defaultBaseUrl;
    const settings = provider.keyVariable ? keyed(given?.api_key ?? env[provider.keyVariable], baseUrl, given?.api_key_unset) : { base_url: baseUrl };
    providers[provider.id as ProviderId] = withLimits(settings, given?.limits);
  }
  return providers;
}

function withLimits<T extends object>(settings: T, limits: LimitFields | undefined): T & { limits?: LimitFields } {
  return limits ? { ...settings, limits } : settings;
}

function keyed(apiKey: string | undefined, baseUrl: string, unsetVariable: string | undefined): KeyedProviderSettings {
  // An empty key (`api_key: ${UNSET}`) is no key: auto must not pick that provider.
  if (apiKey) return { api_key: apiKey, base_url: baseUrl };
  return unsetVariable ? { base_url: baseUrl, api_key_unset: unsetVariable } : { base_url: baseUrl };
}

function baseUrlFromEnv(variable: string | undefined, env: Env, problems: ConfigProblem[]): string | undefined {
  const value = variable === undefined ? undefined : env[variable];
  if (!value?.trim()) return undefined;
  const url = ollamaHostUrl(value);
  if (url === undefined) problems.push({ file: variable!, message: `expected host, host:port or an http(s) URL, got ${JSON.stringify(value)}` });
  return url;
}
