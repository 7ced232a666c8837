/**
 * Which `Specialists` a shell talks to: the remote client when `--server` or
 * AISH_SERVER names a server, else the service in-process (the embedded
 * default), built from this machine's configuration. The config loader and
 * the client load only when needed (they cost start-up time).
 */
import type { AishConfig } from '../config/index.js';
import type { Specialists } from '../protocol/index.js';
import { databaseFile, stateFolder } from '../config/paths.js';
import { ClientBudgets, DEFAULT_CACHE_TTL_S, SpecialistService, type CacheSettings, type ServiceOptions, type ToolHost } from '../service/index.js';
import type { McpClients, McpServerSettings } from '../mcp/client.js';

export interface Connection {
  server?: string | undefined;
  token?: string | undefined;
  /** `--config FILE` (then a missing file is an error). */
  configFile?: string | undefined;
  /** The calls come from other programs (`aish mcp`'s clients): a call's `--tools` may only narrow a specialist's. */
  forOtherPrograms?: boolean;
}

/** A configuration problem, already worded for the user (file, line, key). */
export class ConfigurationFailure extends Error {
  override readonly name = 'ConfigurationFailure';
}

/** Each config file read, so the service and the exchange log's prices read it once per process. */
const configs = new Map<string, Promise<AishConfig>>();

/** This machine's configuration (or `configFile`'s); throws `ConfigurationFailure`. */
export function localConfig(configFile?: string): Promise<AishConfig> {
  let config = configs.get(configFile ?? '');
  if (!config) {
    config = readConfig(configFile);
    configs.set(configFile ?? '', config);
  }
  return config;
}

async function readConfig(configFile?: string): Promise<AishConfig> {
  const { ConfigError, loadConfig } = await import('../config/index.js');
  try {
    return await loadConfig(configFile ? { file: configFile, required: true } : {});
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigurationFailure(error.message);
    throw error;
  }
}

/** How a service built here uses the cache: `serve` logs its own answers, the embedded one leaves that to the CLI's log. */
export interface ServiceCacheChoice {
  /** `aish serve --cache`: on, whatever the config says. */
  enabled?: boolean;
  /** `aish serve`: with its cache on it logs its own calls (the cache's entries), and `server.budget_per_day` caps each client. */
  serving?: boolean;
  /** `aish mcp`: the calls come from other programs, whose `--tools` may only narrow a specialist's tools. */
  forOtherPrograms?: boolean;
}

/** The in-process service for this machine's configuration. */
/** What a server shares with its replicas (from its coordinator): session locks and specialist statuses. */
/** What a server process shares with its service: coordination, and the store it opened (and migrated) at start. */
export type SharedCoordination = Pick<ServiceOptions, 'sessionLocks' | 'statusRelay' | 'store'>;

export async function createService(configFile?: string, cacheChoice: ServiceCacheChoice = {}, shared: SharedCoordination = {}): Promise<SpecialistService> {
  const config = await localConfig(configFile);
  const { costOf } = await import('../config/index.js');
  const enabled = cacheChoice.enabled ?? (cacheChoice.serving ? config.server.cache : config.cache.enabled) ?? false;
  // A server keeps its own log only when its cache is on: its clients keep theirs.
  const cache: CacheSettings = { enabled, ttlSeconds: config.cache.ttl ?? DEFAULT_CACHE_TTL_S, record: Boolean(cacheChoice.serving && enabled) };
  const perClient = cacheChoice.serving ? config.server.budget_per_day : undefined;
  const { chooseAutoModel } = await import('../config/index.js');
  // `auto` may probe for Ollama: started now, so the probe overlaps parsing and
  // planning the line, and awaited only when a specialist is first asked.
  const choice = chooseAutoModel(config).then((chosen) => chosen.model);
  choice.catch(() => {});
  return new SpecialistService({ roster: config.specialists, defaultModel: () => choice, providers: config.providers, limits: config.limits, database: databaseFile(),
    ...(config.sessions.ttl !== undefined && { sessionTtl: config.sessions.ttl }),
    ...(config.sessions.lock_lease !== undefined && { sessionLeaseMs: Math.round(config.sessions.lock_lease * 1000) }),
    cache,
    ...(perClient !== undefined && { clientBudgets: new ClientBudgets(perClient) }),
    costOf: (model, tokens) => costOf(model, tokens.input, tokens.output, config.prices),
    ...shared,
    ...(Object.keys(config.mcp_servers).length > 0 && { tools: lazyToolHost(config.mcp_servers, stateFolder()) }),
    toolLimits: {
      ...(config.limits.max_tool_rounds !== undefined && { maxRounds: config.limits.max_tool_rounds }),
      ...(config.limits.tool_timeout !== undefined && { timeoutMs: config.limits.tool_timeout * 1000 }),
    },
    // The user's own lines may widen a specialist's tools; a server's clients and MCP clients only narrow them.
    widenTools: !cacheChoice.serving && !cacheChoice.forOtherPrograms,
  });
}

/** The configured MCP servers; the MCP SDK loads when a call first needs a tool. */
export function lazyToolHost(servers: Record<string, McpServerSettings>, logFolder: string): ToolHost {
  let clients: Promise<McpClients> | undefined;
  const load = (): Promise<McpClients> => (clients ??= import('../mcp/client.js').then(({ McpClients }) => new McpClients(servers, { logFolder })));
  return {
    has: (server) => Object.hasOwn(servers, server),
    tools: async (server) => (await load()).tools(server),
    call: async (server, tool, args, options) => (await load()).call(server, tool, args, options),
    close: async () => {
      if (clients) await (await clients).close();
    },
  };
}

export async function connect(connection: Connection): Promise<Specialists> {
  const server = connection.server ?? process.env.AISH_SERVER;
  if (!server) return createService(connection.configFile, connection.forOtherPrograms ? { forOtherPrograms: true } : {});
  const { RemoteSpecialists } = await import('../client/index.js');
  const token = connection.token ?? process.env.AISH_TOKEN;
  return new RemoteSpecialists(server, token ? { token } : {});
}
