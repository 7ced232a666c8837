/**
 * Coordination through Redis (`aish serve --redis URL`): every replica and
 * worker shares one rate-limit bucket and one stream count per client, one
 * lock per session and the specialists' statuses.
 *
 * One round trip per check: each check is one Lua script, sent by its SHA-1
 * (`EVALSHA`; the scripts are loaded when the connection opens), and a
 * request to a streaming route takes its rate-limit token and its stream slot
 * in one script. Commands issued in the same turn of the event loop go out in
 * one write (ioredis's auto-pipelining), so a burst of requests costs one
 * write and one read, not one per request.
 *
 * It fails closed and fast: commands are never queued while Redis is away
 * (`enableOfflineQueue: false`) and each has a deadline, so a call that needs
 * Redis is refused at once with 503 `BACKEND_UNAVAILABLE` instead of hanging
 * or slipping past a limit. ioredis reconnects by itself (every second at
 * most) and the next call simply works again.
 */
import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import { AishError } from '../protocol/index.js';
import type { BackendState, Coordinator } from './coordinator.js';
import type { RateDecision, RateLimits, StreamAdmission } from './rate-limit.js';
import { RedisSessionLocks } from './redis-session-locks.js';
import { RENEW_SLOTS, SCRIPTS, TAKE_SLOT, TAKE_TOKEN, TAKE_TOKEN_AND_SLOT, type LuaScript } from './redis-scripts.js';
import type { StatusChange, StatusListener, StatusRelay } from './status-relay.js';
import type { StreamSlot, StreamSlotPool } from './stream-slots.js';

export interface RedisCoordinatorOptions {
  /** Prefix of every key and channel (several aish deployments may share one Redis). */
  prefix?: string;
  /** Session lock lease in ms: the longest a killed replica blocks a session (5 s by default). */
  lockLeaseMs?: number;
  /** How long one Redis command may take before the call needing it is refused (ms). */
  commandTimeoutMs?: number;
  /** How long start-up waits for Redis (ms). */
  connectTimeoutMs?: number;
}

/** A killed replica's stream slots come back after this; live ones renew every third of it. */
const SLOT_LEASE_MS = 30_000;
/** A status other than `active` is forgotten after this unless published again (its replica may be gone). */
const STATUS_TTL_MS = 10 * 60_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
const DEFAULT_LOCK_LEASE_MS = 5000;

/** Connects to Redis at `url` and waits until it answers; rejects with `BACKEND_UNAVAILABLE` when it does not. */
export async function connectRedisCoordinator(url: string, options: RedisCoordinatorOptions = {}): Promise<RedisCoordinator> {
  const { Redis } = await import('ioredis');
  const settings: RedisOptions = {
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    maxRetriesPerRequest: 0,
    // Reconnect forever, soon after Redis is back: every 100 ms, backing off to 1 s.
    retryStrategy: (times) => Math.min(times * 100, 1000),
    lazyConnect: true,
  };
  const commands = new Redis(url, { ...settings, enableAutoPipelining: true });
  const events = new Redis(url, { ...settings, enableOfflineQueue: true });
  // ioredis reports each failed reconnection as an error event: expected while Redis is down. The first says why it cannot connect.
  let lastError: Error | undefined;
  for (const client of [commands, events]) client.on('error', (error: Error) => (lastError = error));
  try {
    await Promise.all([commands.connect(), events.connect()]);
  } catch (error) {
    commands.disconnect();
    events.disconnect();
    const reason = (lastError ?? (error as Error)).message || String(error);
    throw new AishError('BACKEND_UNAVAILABLE', `cannot reach Redis at ${redactedUrl(url)}: ${reason}`, { backend: 'redis' }, { cause: error });
  }
  // Best effort: where loading fails, each script's first call sends its body (EVAL on NOSCRIPT).
  await loadScripts(commands).catch(() => {});
  // A Redis that restarted has forgotten the scripts: load them again on each reconnection (a call in between sends its script's body once).
  commands.on('ready', () => void loadScripts(commands).catch(() => {}));
  const coordinator = new RedisCoordinator(commands, events, redactedUrl(url), options);
  await coordinator.listen();
  return coordinator;
}

/** Sends every script's body once (`SCRIPT LOAD`), so calls send only its SHA-1 (`EVALSHA`). */
async function loadScripts(commands: RedisClient): Promise<void> {
  await Promise.all(SCRIPTS.map((each) => commands.script('LOAD', each.lua)));
}

export class RedisCoordinator implements Coordinator {
  readonly backend = 'redis' as const;
  readonly sessionLocks: RedisSessionLocks;
  readonly statusRelay: StatusRelay;
  private readonly prefix: string;
  private readonly heldSlots = new Map<string, Set<string>>();
  private readonly slotRenewal: NodeJS.Timeout;
  private readonly statusListeners = new Set<StatusListener>();
  /** This process's name in published messages, so it does not hear its own. */
  private readonly self = `${process.pid}:${globalThis.crypto.randomUUID()}`;

  constructor(
    private readonly commands: RedisClient,
    private readonly events: RedisClient,
    /** Where Redis is, without a password, for messages. */
    readonly where: string,
    options: RedisCoordinatorOptions = {},
  ) {
    this.prefix = options.prefix ?? 'aish:';
    this.sessionLocks = new RedisSessionLocks({ run: (lua, keys, args) => this.run(lua, keys, args), prefix: this.prefix, leaseMs: options.lockLeaseMs ?? DEFAULT_LOCK_LEASE_MS, holder: this.self });
    this.statusRelay = {
      publish: (change) => this.publishStatus(change),
      subscribe: (listener) => {
        this.statusListeners.add(listener);
        return () => this.statusListeners.delete(listener);
      },
      current: () => this.currentStatuses(),
    };
    this.slotRenewal = setInterval(() => void this.renewSlots(), SLOT_LEASE_MS / 3);
    this.slotRenewal.unref();
  }

  /** Subscribes to status changes and lock releases; after a reconnection, replays the statuses it may have missed. */
  async listen(): Promise<void> {
    const statusChannel = `${this.prefix}status`;
    const unlockChannel = this.sessionLocks.channel;
    this.events.on('message', (channel: string, message: string) => {
      if (channel === unlockChannel) this.sessionLocks.released(message);
      else if (channel === statusChannel) this.heardStatus(message);
    });
    let first = true;
    this.events.on('ready', () => {
      if (first) return;
      // Changes published while this replica was cut off are in the status keys.
      void this.currentStatuses().then((changes) => changes.forEach((change) => this.tell(change)), () => {});
    });
    await this.events.subscribe(statusChannel, unlockChannel);
    first = false;
  }

  rateLimits(perMinute: number): RateLimits {
    const bucket = (client: string): string => `${this.prefix}rate:${perMinute}:${client}`;
    return {
      perMinute,
      take: async (client: string): Promise<RateDecision> => {
        const [allowed, left, now] = (await this.run(TAKE_TOKEN, [bucket(client)], [perMinute])) as [number, string, number];
        return rateDecision(perMinute, allowed, left, now);
      },
      takeWithSlot: async (client: string, slots: StreamSlotPool): Promise<StreamAdmission> => {
        const id = globalThis.crypto.randomUUID();
        const streams = this.streamsKey(client);
        const [allowed, left, now, slot] = (await this.run(TAKE_TOKEN_AND_SLOT, [bucket(client), streams], [perMinute, slots.max, id, SLOT_LEASE_MS])) as [number, string, number, number];
        return { decision: rateDecision(perMinute, allowed, left, now), slot: slot === 1 ? this.heldSlot(streams, id) : undefined };
      },
    };
  }

  streamSlots(max: number): StreamSlotPool {
    return { max, acquire: (client) => this.takeSlot(client, max) };
  }

  private streamsKey(client: string): string {
    return `${this.prefix}streams:${client}`;
  }

  private async takeSlot(client: string, max: number): Promise<StreamSlot | undefined> {
    const key = this.streamsKey(client);
    const id = globalThis.crypto.randomUUID();
    if ((await this.run(TAKE_SLOT, [key], [max, id, SLOT_LEASE_MS])) !== 1) return undefined;
    return this.heldSlot(key, id);
  }

  /** Slot `id` of the sorted set `key`, taken in Redis: renewed while held, removed on release. */
  private heldSlot(key: string, id: string): StreamSlot {
    const held = this.heldSlots.get(key) ?? new Set<string>();
    held.add(id);
    this.heldSlots.set(key, held);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        held.delete(id);
        if (held.size === 0 && this.heldSlots.get(key) === held) this.heldSlots.delete(key);
        // If Redis is away, the slot's lease ends by itself.
        this.commands.zrem(key, id).catch(() => {});
      },
    };
  }

  /** One script per client renews all of its slots held here; the calls go out together. */
  private async renewSlots(): Promise<void> {
    await Promise.all([...this.heldSlots].map(([key, ids]) => this.run(RENEW_SLOTS, [key], [SLOT_LEASE_MS, ...ids]).catch(() => {})));
  }

  private publishStatus(change: StatusChange): void {
    const key = `${this.prefix}status:${change.specialist_id}`;
    const message = JSON.stringify({ ...change, from: this.self });
    const stored = change.status === 'active' ? this.commands.del(key) : this.commands.set(key, change.status, 'PX', STATUS_TTL_MS);
    stored.then(() => this.commands.publish(`${this.prefix}status`, message)).catch(() => {});
  }

  private heardStatus(message: string): void {
    let change: StatusChange & { from?: string };
    try {
      change = JSON.parse(message) as StatusChange & { from?: string };
    } catch {
      return;
    }
    if (change.from === this.self || typeof change.specialist_id !== 'string') return;
    this.tell({ specialist_id: change.specialist_id, status: change.status });
  }

  private tell(change: StatusChange): void {
    for (const listener of this.statusListeners) listener(change);
  }

  private async currentStatuses(): Promise<StatusChange[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.commands.scan(cursor, 'MATCH', `${this.prefix}status:*`, 'COUNT', 100);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await this.commands.mget(...keys);
    return keys.flatMap((key, index) => {
      const status = values[index];
      return status ? [{ specialist_id: key.slice(`${this.prefix}status:`.length), status } as StatusChange] : [];
    });
  }

  async health(): Promise<Record<string, BackendState>> {
    try {
      await this.commands.ping();
      return { redis: 'ok' };
    } catch {
      return { redis: 'down' };
    }
  }

  async close(): Promise<void> {
    clearInterval(this.slotRenewal);
    this.sessionLocks.close();
    for (const [key, ids] of this.heldSlots) await this.commands.zrem(key, ...ids).catch(() => {});
    this.heldSlots.clear();
    this.events.disconnect();
    await this.commands.quit().catch(() => this.commands.disconnect());
  }

  /** Runs a script by its SHA-1, sending its body only when Redis does not know it yet (after a restart). */
  private async run(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      try {
        return await this.commands.evalsha(script.sha, script.keys, ...keys, ...args);
      } catch (error) {
        if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
        return await this.commands.eval(script.lua, script.keys, ...keys, ...args);
      }
    } catch (error) {
      throw unavailable(error, this.where);
    }
  }
}

/** A bucket's answer (`allowed`, tokens left as text, Redis's time in ms) as the figures of `X-RateLimit-*`. */
function rateDecision(perMinute: number, allowed: number, left: string, now: number): RateDecision {
  const tokens = Number(left);
  const perMs = perMinute / 60_000;
  return {
    allowed: allowed === 1,
    limit: perMinute,
    remaining: Math.floor(tokens),
    resetAt: Math.ceil((now + (perMinute - tokens) / perMs) / 1000),
    retryAfterS: allowed === 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)),
  };
}

/** Any failure to talk to Redis, as the protocol error a client sees (503). */
function unavailable(error: unknown, where: string): AishError {
  if (error instanceof AishError) return error;
  // ioredis's words for "not connected now" name its option, not the situation.
  const message = (error as Error).message || String(error);
  const reason = /enableOfflineQueue|Connection is closed/.test(message) ? 'not connected' : message;
  return new AishError('BACKEND_UNAVAILABLE', `Redis (${where}) is unavailable: ${reason}; limits and session locks need it, so nothing was done (retry when it is back)`, { backend: 'redis' }, { cause: error });
}

/** The URL without its password, for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return 'redis';
  }
}
