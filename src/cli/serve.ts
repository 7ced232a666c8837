/**
 * `aish serve`: the specialist server on `--host`/`--port` (AISH_HOST,
 * AISH_PORT, config `server:`; default 127.0.0.1:8003), with its token,
 * limits, database and access log. Each setting is taken from the flag, else
 * the environment, else the config file, else the default. Prints where it
 * listens on stderr and shuts down gracefully on SIGTERM, SIGHUP (the
 * terminal closed) or Ctrl-C.
 */
import cluster from 'node:cluster';
import * as crypto from 'node:crypto';
import { resolve } from 'node:path';
import { InProcessCoordinator, type Coordinator } from '../coord/index.js';
import type { ServerSettings } from '../config/index.js';
import { toAishError } from '../protocol/index.js';
import { hashNatively } from '../service/index.js';
import { createApp, createWebSocketServer, isLoopbackHost, Protection, SERVER_DEFAULTS, startServer, streamAccessLog, type RunningServer } from '../server/index.js';
import type { AishStore } from '../store/index.js';
import { ConfigurationFailure, createService, localConfig, type SharedCoordination } from './specialists.js';
import { serveWithWorkers, tellPrimary } from './serve-workers.js';
import { currentSessionsFile, databaseFile } from '../config/paths.js';
import { runCapturedLine } from '../shell/index.js';

export interface ServeOptions {
  host?: string;
  port?: string;
  quiet?: boolean;
  config?: string;
  db?: string;
  token?: string;
  rateLimit?: string;
  maxStreams?: string;
  maxBody?: string;
  /** `--cache`: answer identical requests from the server's exchange log (config `server.cache`). */
  cache?: boolean;
  /** `--redis URL`: share limits, slots, session locks and statuses with other replicas (config `server.redis`, AISH_REDIS). */
  redis?: string;
  /** `--workers N`: N processes on one port (config `server.workers`); needs Redis. */
  workers?: string;
  /** False for `--no-migrate`: refuse a database that needs migrating instead of migrating it. */
  migrate?: boolean;
  /** `--db-pool N`: PostgreSQL connections per process (config `server.db_pool`). */
  dbPool?: string;
}

/** How long running streams may take to finish after a shutdown signal. */
const GRACE_MS = 10_000;

/** A flag's value that cannot be used, worded for the user. */
class BadFlag extends Error {}

interface Settings {
  host: string;
  port: number;
  token: string | undefined;
  rateLimit: number;
  maxStreams: number;
  maxBody: number;
  maxBulkOperations: number;
  allowedOrigins: string[];
  redis: string | undefined;
  workers: number;
  /** A SQLite file (made absolute) or a PostgreSQL URL. */
  db: string;
  dbPool: number | undefined;
}

/** Shortest token accepted for an address other machines can reach (guessable tokens guard nothing). */
const MIN_REMOTE_TOKEN_CHARS = 16;

export async function serve(options: ServeOptions): Promise<number> {
  let settings: Settings;
  try {
    settings = resolveSettings(options, await fileSettings(options.config));
  } catch (error) {
    if (!(error instanceof BadFlag)) throw error;
    process.stderr.write(`aish: serve: ${error.message}\n`);
    return 1;
  }
  const { host, port, token } = settings;
  const tokenProblem = weakToken(host, token);
  if (tokenProblem) {
    process.stderr.write(`aish: serve: ${tokenProblem}\n`);
    return 1;
  }
  const sharing = sharingProblem(settings, settings.db);
  if (sharing.refusal) {
    process.stderr.write(`aish: serve: ${sharing.refusal}\n`);
    return 1;
  }
  if (sharing.warning && !cluster.isWorker) process.stderr.write(`aish: serve: warning: ${sharing.warning}\n`);
  if (settings.workers > 1 && cluster.isPrimary) {
    // Redis is looked at once here, so an unreachable one is said once, not by every worker.
    const probe = await connectCoordinator(settings.redis, undefined);
    if (!probe) return 1;
    await probe.close();
    return serveWithWorkers(settings.workers, { quiet: Boolean(options.quiet), graceMs: GRACE_MS });
  }
  // Anything else in this process that reads AISH_DB (config/paths.ts) sees the same database.
  process.env.AISH_DB = settings.db;
  const store = await openServerStore(settings, options.migrate !== false);
  if (!store) return 1;
  const coordinator = await connectCoordinator(settings.redis, await configuredLeaseMs(options.config));
  if (!coordinator) {
    await store.close();
    return 1;
  }
  // A server makes a cache key for every answer: node:crypto (loaded by the server anyway) hashes them.
  hashNatively(crypto);
  const service = await createService(options.config, { serving: true, ...(options.cache && { enabled: true }) }, { ...shared(coordinator), store });
  const protection = new Protection({
    coordinator,
    token,
    rateLimit: settings.rateLimit,
    maxStreams: settings.maxStreams,
    maxBulkOperations: settings.maxBulkOperations,
    accessLog: options.quiet ? undefined : streamAccessLog(process.stderr),
  });
  let server: RunningServer;
  try {
    const allowUnix = (await localConfig(options.config)).mcp.allow_unix;
    // MCP clients' run_pipeline lines run here, in a shell of their own, on the service.
    const mcpLines = (line: string, input: string | undefined, signal: AbortSignal) => runCapturedLine({ specialists: service, allowUnix, currentSessionsFile: currentSessionsFile() }, line, input, signal);
    const backends = async () => ({ db: await service.storeState(), ...(await coordinator.health()) });
    server = await startServer(createApp({ service, maxBodyBytes: settings.maxBody, mcpLines, backends }), {
      host,
      port,
      maxBodyBytes: settings.maxBody,
      protection,
      // WebSockets share the token check and each client's stream slots with HTTP.
      upgrade: createWebSocketServer({ service, callGate: protection.callGate, clientOf: protection.upgradeClient }),
      authorizeUpgrade: protection.checkUpgrade,
      allowedOrigins: settings.allowedOrigins,
    });
  } catch (error) {
    await coordinator.close();
    await store.close();
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(`aish: serve: cannot listen on ${host}:${port} (${code ?? (error as Error).message})\n`);
    return code === 'EADDRINUSE' || code === 'EACCES' ? 2 : 1;
  }
  const specialists = await service.list();
  const models = [...new Set(specialists.map((specialist) => specialist.model))].join(', ');
  const serving = `${specialists.length} specialists (${models}) on ${server.url}${token ? ' (token required)' : ''}${coordinator.backend === 'redis' ? ' (limits, locks and statuses shared through Redis)' : ''}`;
  // A worker lets the primary say it once for all of them.
  if (cluster.isWorker) tellPrimary(serving);
  else process.stderr.write(`aish: serving ${serving}\n`);
  return new Promise((done) => {
    let stopping = false;
    const stop = (): void => {
      // A second signal during the drain changes nothing: the drain already has its deadline.
      if (stopping) return;
      stopping = true;
      if (!options.quiet) process.stderr.write('aish: shutting down\n');
      void server
        .close(GRACE_MS)
        .then(() => service.close())
        .then(() => store.close())
        .then(() => coordinator.close())
        .then(() => done(0));
    };
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, stop);
  });
}

/** The config file's `server:` section (a bad config is a ConfigurationFailure, as everywhere). */
async function fileSettings(configFile: string | undefined): Promise<ServerSettings> {
  const { ConfigError, loadConfig } = await import('../config/index.js');
  try {
    return (await loadConfig(configFile ? { file: configFile, required: true } : {})).server;
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigurationFailure(error.message);
    throw error;
  }
}

function resolveSettings(options: ServeOptions, file: ServerSettings): Settings {
  const env = process.env;
  return {
    host: options.host ?? env.AISH_HOST ?? file.host ?? '127.0.0.1',
    port: wholeNumber('--port', options.port ?? env.AISH_PORT, 0, 65535, 'a port number from 0 to 65535') ?? file.port ?? 8003,
    token: options.token ?? env.AISH_TOKEN ?? file.token,
    rateLimit: wholeNumber('--rate-limit', options.rateLimit, 0, Number.MAX_SAFE_INTEGER, 'a whole number of requests per minute (0: no limit)') ?? file.rate_limit ?? SERVER_DEFAULTS.rateLimit,
    maxStreams: wholeNumber('--max-streams', options.maxStreams, 1, Number.MAX_SAFE_INTEGER, 'a whole number of streams, 1 or more') ?? file.max_streams ?? SERVER_DEFAULTS.maxStreams,
    maxBody: wholeNumber('--max-body', options.maxBody, 1, Number.MAX_SAFE_INTEGER, 'a whole number of bytes, 1 or more') ?? file.max_body ?? SERVER_DEFAULTS.maxBodyBytes,
    maxBulkOperations: file.max_bulk_operations ?? SERVER_DEFAULTS.maxBulkOperations,
    allowedOrigins: file.allowed_origins ?? [],
    redis: options.redis ?? (env.AISH_REDIS || undefined) ?? file.redis,
    workers: wholeNumber('--workers', options.workers, 1, 256, 'a whole number of processes from 1 to 256') ?? file.workers ?? 1,
    db: databaseLocation(options.db ?? (env.AISH_DB || undefined) ?? file.db),
    dbPool: wholeNumber('--db-pool', options.dbPool, 1, 1000, 'a whole number of connections from 1 to 1000') ?? file.db_pool,
  };
}

/**
 * What sharing the server's state allows: workers need Redis (each would
 * keep its own limits, locks and statuses otherwise); a PostgreSQL database
 * without Redis works, but its replicas do not share limits.
 */
function sharingProblem(settings: Settings, db: string | undefined): { refusal?: string; warning?: string } {
  if (settings.redis !== undefined && !/^rediss?:\/\//.test(settings.redis)) return { refusal: `--redis needs a redis:// or rediss:// URL, not '${settings.redis}'` };
  if (settings.workers > 1 && settings.redis === undefined) {
    return {
      refusal:
        `--workers ${settings.workers} needs --redis URL (or server.redis): without Redis each worker would keep its own rate limits, stream slots, ` +
        'session locks and specialist statuses, so a limit of N would let N per worker through. Start Redis and pass --redis redis://HOST:6379, or run one process.',
    };
  }
  if (db !== undefined && /^postgres(ql)?:\/\//.test(db) && settings.redis === undefined) {
    return { warning: 'a PostgreSQL database without --redis: rate limits and stream slots are per replica (a limit of N with R replicas lets R×N through); pass --redis URL to share them' };
  }
  return {};
}

function isUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

/** The coordinator for `redis` (undefined: this process's own); undefined after saying why when Redis cannot be reached. */
async function connectCoordinator(redis: string | undefined, lockLeaseMs: number | undefined): Promise<Coordinator | undefined> {
  if (redis === undefined) return new InProcessCoordinator();
  const { connectRedisCoordinator } = await import('../coord/redis-coordinator.js');
  try {
    return await connectRedisCoordinator(redis, lockLeaseMs !== undefined ? { lockLeaseMs } : {});
  } catch (error) {
    process.stderr.write(`aish: serve: ${toAishError(error).message}\n`);
    return undefined;
  }
}

/** `sessions.lock_lease` from the config, in ms (the Redis lock's lease when set). */
async function configuredLeaseMs(configFile: string | undefined): Promise<number | undefined> {
  const seconds = (await localConfig(configFile)).sessions.lock_lease;
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}

function shared(coordinator: Coordinator): SharedCoordination {
  return {
    ...(coordinator.sessionLocks && { sessionLocks: coordinator.sessionLocks }),
    ...(coordinator.statusRelay && { statusRelay: coordinator.statusRelay }),
  };
}

/** Why `token` cannot guard a server on `host`: none on a reachable address, a blank one, a short one there. */
function weakToken(host: string, token: string | undefined): string | undefined {
  if (token !== undefined && token !== '' && token.trim() === '') return 'the token is blank: give a token of visible characters (--token, AISH_TOKEN or server.token)';
  if (isLoopbackHost(host)) return undefined;
  if (!token) {
    return (
      `refusing to listen on ${host} without a token: anyone who can reach it could use your providers. ` +
      'Set one with --token, AISH_TOKEN or server.token in the config (clients then pass the same --token), or listen on 127.0.0.1.'
    );
  }
  if (token.length < MIN_REMOTE_TOKEN_CHARS) {
    return `the token is too short for ${host}, which other machines can reach: use at least ${MIN_REMOTE_TOKEN_CHARS} characters (for example: openssl rand -hex 16)`;
  }
  return undefined;
}

function wholeNumber(flag: string, text: string | undefined, min: number, max: number, what: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) throw new BadFlag(`${flag} needs ${what}, not '${text}'`);
  return value;
}

/** `--db` as the store takes it: a URL as it is, a file path made absolute; the default file when none is given. */
function databaseLocation(db: string | undefined): string {
  if (db === undefined || db === '') return databaseFile();
  return isUrl(db) ? db : resolve(db);
}

/**
 * Opens (creating and migrating, unless `migrate` is false) the database now, so a bad
 * `--db`, a database that needs migrating or an unreachable server stops the server at
 * start, not at the first session call. Undefined after saying why.
 */
async function openServerStore(settings: Settings, migrate: boolean): Promise<AishStore | undefined> {
  const { openStore } = await import('../store/index.js');
  try {
    return await openStore(settings.db, { migrate, ...(settings.dbPool !== undefined && { poolSize: settings.dbPool }) });
  } catch (error) {
    process.stderr.write(`aish: serve: ${(error as Error).message}\n`);
    return undefined;
  }
}
