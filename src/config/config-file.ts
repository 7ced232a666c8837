/**
 * Reading config.yaml (docs/cli.md "Configuration"): every top-level section is
 * checked here, and what is given is returned as is; defaults and the
 * environment are applied afterwards by load-config.ts.
 */
import { idProblem, readModel, readSpecialistFields, SPECIALIST_FIELDS, type SpecialistPatch } from './specialist-entry.js';
import type { PriceTable } from './prices.js';
import type { Entry, YamlSource } from './yaml-source.js';
import { readLimits, type LimitFields } from './limits-section.js';
import { readBudget, readCache, type BudgetFields, type CacheFields } from './spending-sections.js';
import { readMcpServers, type McpServerFields } from './mcp-servers.js';
import { PROVIDER_IDS, providerConfigFields, providerDescriptor, type ProviderId } from '../protocol/index.js';

/** The top-level keys of config.yaml. */
export const TOP_LEVEL_KEYS = ['providers', 'default_model', 'specialists', 'builtin_roster', 'server', 'prices', 'render', 'limits', 'sessions', 'mcp', 'cache', 'budget', 'mcp_servers', 'tools_confirm'] as const;

/** `render:` — whether answers on a terminal are shown as formatted Markdown. */
export const RENDER_SETTINGS = ['auto', 'always', 'never'] as const;
export type RenderSetting = (typeof RENDER_SETTINGS)[number];

/** Settings of one provider as the file gives them; `api_key` is `''` when given empty. */
export interface ProviderFields {
  api_key?: string;
  /** The variable `api_key: ${NAME}` names when it is unset, so using the provider can say so. */
  api_key_unset?: string;
  base_url?: string;
  /** This provider's timeouts, retries and breaker, over the top-level `limits:`. */
  limits?: LimitFields;
}

/** What config.yaml says; every field is absent when the file does not give it. */
export interface FileSettings {
  providers: Partial<Record<ProviderId, ProviderFields>>;
  default_model?: string;
  builtin_roster?: boolean;
  specialists: SpecialistPatch[];
  server: ServerFields;
  /** `limits:` for every provider call (timeouts, retries, breaker). */
  limits?: LimitFields;
  /** `prices:` model → USD per million input/output tokens, over the built-in table. */
  prices: PriceTable;
  render?: RenderSetting;
  /** `sessions:` — how long sessions live, and how long a session's lock outlives a process that stopped renewing it. */
  sessions?: SessionFields;
  /** `budget:` — what a run and a day may spend. */
  budget?: BudgetFields;
  /** `cache:` — answering identical requests from the exchange log. */
  cache?: CacheFields;
  /** `mcp:` — what aish's MCP server lets its clients do. */
  mcp?: McpFields;
  /** `mcp_servers:` — the MCP servers specialists' tools come from. */
  mcp_servers?: Record<string, McpServerFields>;
  /** `tools_confirm:` — the REPL and `aish chat` ask before each tool call. */
  tools_confirm?: boolean;
}

/** `mcp:` settings. */
export interface McpFields {
  /** `run_pipeline` may run Unix commands (and read files and the environment); false by default. */
  allow_unix?: boolean;
}

/** `sessions:` settings. */
export interface SessionFields {
  /** Seconds a new session lives after its last activity; 0 = it never expires. */
  ttl?: number;
  /** Seconds a session's lock lasts unless the process answering renews it (how long a killed process can block the session). */
  lock_lease?: number;
}

/** `server:` settings (docs/protocol.md "Errors, limits, security" gives their defaults). */
export interface ServerFields {
  host?: string;
  port?: number;
  rate_limit?: number;
  max_streams?: number;
  max_body?: number;
  /** Most operations in one bulk request (413 above it). */
  max_bulk_operations?: number;
  token?: string;
  /** Origins (`https://app.example`) whose web pages may call the server (CORS); none by default. */
  allowed_origins?: string[];
  /** The server answers identical requests from its own exchange log (`aish serve --cache`). */
  cache?: boolean;
  /** US dollars each client (its token, or its address) may spend per day; past it, 402 BUDGET_EXCEEDED. */
  budget_per_day?: number;
  /** `redis://…`: rate limits, stream slots, session locks and statuses shared with other replicas (`aish serve --redis`). */
  redis?: string;
  /** Processes on one port (`aish serve --workers`); more than 1 needs `redis`. */
  workers?: number;
  /** Where the server keeps sessions, stats and its log: a SQLite file path or a `postgres://` URL (`aish serve --db`). */
  db?: string;
  /** PostgreSQL: the most connections each server process opens (`aish serve --db-pool`; default 10). */
  db_pool?: number;
}


const SERVER_NUMBERS = {
  port: { min: 0, max: 65535, integer: true, description: 'a whole number from 0 to 65535' },
  rate_limit: { min: 0, integer: true, description: 'a whole number of requests per minute, 0 or more' },
  max_streams: { min: 1, integer: true, description: 'a whole number, 1 or more' },
  max_body: { min: 1, integer: true, description: 'a whole number of bytes, 1 or more' },
  // The service itself never runs more than 1,000 operations in one request.
  max_bulk_operations: { min: 1, max: 1000, integer: true, description: 'a whole number of operations from 1 to 1000' },
  budget_per_day: { min: 0, description: 'US dollars, 0 or more' },
  workers: { min: 1, max: 256, integer: true, description: 'a whole number of processes from 1 to 256' },
  db_pool: { min: 1, max: 1000, integer: true, description: 'a whole number of connections from 1 to 1000' },
} as const;

/** Reads and checks the whole file; problems go to `source.problems`. */
export function readConfigFile(source: YamlSource): FileSettings {
  const settings: FileSettings = { providers: {}, specialists: [], server: {}, prices: {} };
  const root = source.parse();
  if (root === undefined) return settings;
  const entries = source.entries(root, '');
  for (const entry of source.knownEntries(entries ?? [], TOP_LEVEL_KEYS)) {
    switch (entry.name) {
      case 'providers':
        readProviders(source, entry, settings);
        break;
      case 'default_model':
        settings.default_model = readModel(source, entry);
        break;
      case 'builtin_roster':
      case 'tools_confirm':
        settings[entry.name] = source.boolean(entry.value, entry.key, entry.keyNode);
        break;
      case 'specialists':
        settings.specialists = readSpecialists(source, entry);
        break;
      case 'server':
        settings.server = readServer(source, entry);
        break;
      case 'limits':
        settings.limits = readLimits(source, entry, true);
        break;
      case 'prices':
        settings.prices = readPrices(source, entry);
        break;
      case 'render':
        settings.render = readRender(source, entry);
        break;
      case 'sessions':
        settings.sessions = readSessions(source, entry);
        break;
      case 'mcp':
        settings.mcp = readMcp(source, entry);
        break;
      case 'budget':
        settings.budget = readBudget(source, entry);
        break;
      case 'cache':
        settings.cache = readCache(source, entry);
        break;
      case 'mcp_servers':
        settings.mcp_servers = readMcpServers(source, entry);
        break;
    }
  }
  return settings;
}

/** The problem with `url` as a provider base URL, if any. */
export function baseUrlProblem(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return undefined;
  } catch {
    // Reported below, with the value, like any other bad value.
  }
  return `expected an http:// or https:// URL, got ${JSON.stringify(url)}`;
}

/** Providers append their paths (`/chat/completions` …), so a trailing slash would double up. */
export function trimTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

function readProviders(source: YamlSource, entry: Entry, settings: FileSettings): void {
  const providers = source.entries(entry.value, entry.key, entry.keyNode) ?? [];
  for (const provider of source.knownEntries(providers, PROVIDER_IDS, 'unknown provider')) {
    const id = provider.name as ProviderId;
    const fields: ProviderFields = {};
    for (const field of source.knownEntries(source.entries(provider.value, provider.key, provider.keyNode) ?? [], providerConfigFields(providerDescriptor(id)!))) {
      if (field.name === 'limits') {
        fields.limits = readLimits(source, field);
        continue;
      }
      const value = source.string(field.value, field.key, field.keyNode);
      if (field.name === 'api_key') {
        fields.api_key = value ?? '';
        const unset = value === undefined ? source.unsetVariables(field.value)[0] : undefined;
        if (unset !== undefined) fields.api_key_unset = unset;
      }
      else if (value !== undefined) fields.base_url = readBaseUrl(source, field, value);
    }
    settings.providers[id] = fields;
  }
}

function readBaseUrl(source: YamlSource, field: Entry, url: string): string | undefined {
  const problem = baseUrlProblem(url);
  if (problem === undefined) return trimTrailingSlashes(url);
  source.report(field.key, problem, field.value, field.keyNode);
  return undefined;
}


function readSpecialists(source: YamlSource, entry: Entry): SpecialistPatch[] {
  const patches: SpecialistPatch[] = [];
  for (const specialist of source.entries(entry.value, entry.key, entry.keyNode) ?? []) {
    const problem = idProblem(specialist.name);
    if (problem !== undefined) {
      source.report(specialist.key, problem, specialist.keyNode);
      continue;
    }
    const patch: SpecialistPatch = { id: specialist.name, place: { file: source.file, line: source.lineOf(specialist.keyNode), key: specialist.key } };
    const fields = source.entries(specialist.value, specialist.key, specialist.keyNode) ?? [];
    readSpecialistFields(source, source.knownEntries(fields, SPECIALIST_FIELDS), patch);
    patches.push(patch);
  }
  return patches;
}

function readServer(source: YamlSource, entry: Entry): ServerFields {
  const server: ServerFields = {};
  const fields = source.entries(entry.value, entry.key, entry.keyNode) ?? [];
  for (const field of source.knownEntries(fields, ['host', 'port', 'rate_limit', 'max_streams', 'max_body', 'max_bulk_operations', 'token', 'allowed_origins', 'cache', 'budget_per_day', 'redis', 'workers', 'db', 'db_pool'])) {
    if (field.name === 'cache') {
      const cache = source.boolean(field.value, field.key, field.keyNode);
      if (cache !== undefined) server.cache = cache;
      continue;
    }
    if (field.name === 'allowed_origins') {
      const origins = readOrigins(source, field);
      if (origins !== undefined) server.allowed_origins = origins;
      continue;
    }
    if (field.name === 'host' || field.name === 'token' || field.name === 'redis' || field.name === 'db') {
      const value = source.string(field.value, field.key, field.keyNode);
      if (value !== undefined) server[field.name] = value;
      continue;
    }
    const name = field.name as keyof typeof SERVER_NUMBERS;
    const value = source.number(field.value, field.key, SERVER_NUMBERS[name], field.keyNode);
    if (value !== undefined) server[name] = value;
  }
  return server;
}

/** `allowed_origins: [https://app.example]`: each a scheme, a host and maybe a port, nothing else. */
function readOrigins(source: YamlSource, field: Entry): string[] | undefined {
  const items = source.items(field.value, field.key, field.keyNode);
  if (items === undefined) return undefined;
  const origins: string[] = [];
  for (const item of items) {
    const origin = item.value.trim().replace(/\/+$/, '');
    if (/^https?:\/\/[^/?#\s]+$/i.test(origin)) origins.push(origin.toLowerCase());
    else source.report(item.key, `expected an origin such as https://app.example or http://localhost:3000, got ${JSON.stringify(item.value)}`, field.value, field.keyNode);
  }
  return origins;
}

const PRICE = { min: 0, description: 'US dollars per million tokens, 0 or more' } as const;

/** `prices: { "openai/gpt-4o-mini": { input: 0.15, output: 0.6 } }`: both numbers are needed. */
function readPrices(source: YamlSource, entry: Entry): FileSettings['prices'] {
  const prices: FileSettings['prices'] = {};
  for (const model of source.entries(entry.value, entry.key, entry.keyNode) ?? []) {
    const fields = source.entries(model.value, model.key, model.keyNode);
    if (fields === undefined) continue;
    const read: Partial<Record<'input' | 'output', number>> = {};
    for (const field of source.knownEntries(fields, ['input', 'output'])) {
      const value = source.number(field.value, field.key, PRICE, field.keyNode);
      if (value !== undefined) read[field.name as 'input' | 'output'] = value;
    }
    const missing = (['input', 'output'] as const).filter((name) => !fields.some((field) => field.name === name));
    if (missing.length > 0) source.report(model.key, `expected input and output prices (US dollars per million tokens); ${missing.join(' and ')} missing`, model.keyNode);
    else if (read.input !== undefined && read.output !== undefined) prices[model.name] = { input: read.input, output: read.output };
  }
  return prices;
}

function readSessions(source: YamlSource, entry: Entry): SessionFields {
  const sessions: SessionFields = {};
  for (const field of source.knownEntries(source.entries(entry.value, entry.key, entry.keyNode) ?? [], ['ttl', 'lock_lease'])) {
    if (field.name === 'lock_lease') {
      const lease = source.number(field.value, field.key, { min: 0.1, max: 3600, description: 'seconds, from 0.1 to 3600' }, field.keyNode);
      if (lease !== undefined) sessions.lock_lease = lease;
      continue;
    }
    const ttl = source.number(field.value, field.key, { min: 0, max: 10 * 365 * 86_400, integer: true, description: 'a whole number of seconds, 0 for never' }, field.keyNode);
    if (ttl !== undefined) sessions.ttl = ttl;
  }
  return sessions;
}

function readMcp(source: YamlSource, entry: Entry): McpFields {
  const mcp: McpFields = {};
  for (const field of source.knownEntries(source.entries(entry.value, entry.key, entry.keyNode) ?? [], ['allow_unix'])) {
    const allow = source.boolean(field.value, field.key, field.keyNode);
    if (allow !== undefined) mcp.allow_unix = allow;
  }
  return mcp;
}

function readRender(source: YamlSource, entry: Entry): RenderSetting | undefined {
  const value = source.string(entry.value, entry.key, entry.keyNode);
  if (value === undefined || (RENDER_SETTINGS as readonly string[]).includes(value)) return value as RenderSetting | undefined;
  source.report(entry.key, `expected auto, always or never, got ${JSON.stringify(value)}`, entry.value, entry.keyNode);
  return undefined;
}
