/**
 * Sessions: conversations kept in the store, by id or by name. The model sees
 * the specialist's system prompt and the last `context_window` exchanges; an
 * exchange is stored (question and answer in one transaction) only when the
 * answer completed. Messages to one session are answered one at a time.
 */
import { AishError, joinSignals, toAishError, type CallHooks, type CreateSessionRequest, type RenewSessionRequest, type SessionDetail, type SessionInfo, type SessionMessageRequest, type SessionSummary, type StreamEvent } from '../protocol/index.js';
import { LeasedSessionLocks, type ReleaseTurn, type SessionLocks } from '../coord/index.js';
import type { AishStore, MessageRecord, SessionRecord } from '../store/index.js';
import type { SpecialistService } from './service.js';

const DEFAULT_CONTEXT_WINDOW = 10;
/** How long a session lives after its last activity unless the config (`sessions.ttl`) or the request says otherwise. */
export const DEFAULT_SESSION_TTL_S = 30 * 86_400;
/** Names are what users type after `--session`: no blanks, and never mistaken for an id. */
const SESSION_NAME = /^[A-Za-z0-9_.:@-]{1,128}$/;

export class SessionKeeper {
  private opened: Promise<AishStore> | undefined;
  private locks: SessionLocks | undefined;

  constructor(
    private readonly service: SpecialistService,
    private readonly options: SessionOptions,
  ) {}

  private get database(): string | undefined {
    return this.options.database;
  }

  private now(): number {
    return this.options.clock();
  }

  /** The store loads (native SQLite, or the PostgreSQL pool) on the first session call, not at start-up. */
  store(): Promise<AishStore> {
    this.opened ??= (async () => {
      if (this.options.store) return this.options.store;
      if (!this.database) throw new AishError('BAD_REQUEST', 'sessions need a database file (AISH_DB)');
      const { openStore } = await import('../store/index.js');
      try {
        return await openStore(this.database, { ...(this.options.poolSize !== undefined && { poolSize: this.options.poolSize }) });
      } catch (error) {
        // A database server that was away may be back for the next call: only a store that opened is kept.
        this.opened = undefined;
        throw storeFailure(error, this.database);
      }
    })();
    return this.opened;
  }

  async create(request: CreateSessionRequest): Promise<SessionInfo> {
    const specialist = this.service.specialist(request.specialist_id);
    const contextWindow = request.context_window ?? DEFAULT_CONTEXT_WINDOW;
    const ttl = request.ttl_s ?? this.options.ttl;
    if (!Number.isInteger(contextWindow) || contextWindow < 0) throw badField('context_window', 'a whole number, 0 or more');
    if (!Number.isInteger(ttl) || ttl < 0) throw badField('ttl_s', 'a whole number of seconds, 0 for never');
    const store = await this.store();
    const continuing = request.continue_existing === true && request.name !== undefined;
    // A session that exists is continued whatever its name looks like (an imported id, say).
    const existing = continuing ? await this.guarded(() => store.findSession(request.name!)) : undefined;
    if (existing) return { ...this.info(existing, await this.messageCount(store, existing.id)), created: false };
    if (request.name !== undefined && (!SESSION_NAME.test(request.name) || request.name.startsWith('ses_'))) {
      throw badField('name', "letters, digits and . _ : @ -, at most 128, not starting with 'ses_'");
    }
    const input = {
      id: `ses_${globalThis.crypto.randomUUID().replaceAll('-', '')}`,
      specialist_id: specialist.id,
      context_window: contextWindow,
      ttl_s: ttl,
      metadata: request.metadata ?? {},
      now: this.now(),
    };
    try {
      if (continuing) {
        // Found and created in one transaction: another process may have created it since the look above.
        const opened = await store.openNamedSession({ ...input, name: request.name! });
        return { ...this.info(opened.session, opened.created ? 0 : await this.messageCount(store, opened.session.id)), created: opened.created };
      }
      const record = await store.createSession({ ...input, ...(request.name !== undefined && { name: request.name }) });
      return this.info(record, 0);
    } catch (error) {
      throw storeFailure(error, this.database);
    }
  }

  /** The session with this id or name; `SESSION_NOT_FOUND` when there is none. Expired ones are found too. */
  private async find(idOrName: string): Promise<{ store: AishStore; record: SessionRecord }> {
    const store = await this.store();
    const record = await this.guarded(() => store.findSession(idOrName));
    if (!record) throw new AishError('SESSION_NOT_FOUND', `no session '${idOrName}'`, { session_id: idOrName });
    return { store, record };
  }

  /**
   * A session that takes messages: `SESSION_EXPIRED` once `ttl_s` passed since
   * its last activity, saying how to renew it (its conversation stays readable).
   */
  private async live(idOrName: string): Promise<{ store: AishStore; record: SessionRecord }> {
    const found = await this.find(idOrName);
    const { record } = found;
    if (this.expired(record)) {
      const handle = record.name ?? record.id;
      throw new AishError(
        'SESSION_EXPIRED',
        `session '${handle}' expired ${iso(record.expires_at)}; it is kept and readable: renew it with 'aish sessions renew ${handle}'`,
        { session_id: record.id, expires_at: iso(record.expires_at) },
      );
    }
    return found;
  }

  private expired(record: { ttl_s: number; expires_at: number }): boolean {
    return record.ttl_s > 0 && this.now() > record.expires_at;
  }

  async get(idOrName: string): Promise<SessionDetail> {
    const { store, record } = await this.find(idOrName);
    const messages = await this.guarded(() => store.messages(record.id));
    return { ...this.info(record, messages.length), messages: messages.map(message) };
  }

  async list(): Promise<SessionSummary[]> {
    const store = await this.store();
    return (await this.guarded(() => store.listSessions())).map((summary) => ({
      id: summary.id,
      name: summary.name,
      specialist_id: summary.specialist_id,
      message_count: summary.message_count,
      created_at: iso(summary.created_at),
      last_activity: iso(summary.last_activity),
      expires_at: expiresAt(summary),
      expired: this.expired(summary),
    }));
  }

  /** A fresh `ttl_s` from now (the session's own, or `request.ttl_s`): an expired session takes messages again. */
  async renew(idOrName: string, request: RenewSessionRequest = {}): Promise<SessionInfo> {
    if (request.ttl_s !== undefined && (!Number.isInteger(request.ttl_s) || request.ttl_s < 0)) throw badField('ttl_s', 'a whole number of seconds, 0 for never');
    const { store, record } = await this.find(idOrName);
    const renewed = await this.guarded(() => store.renewSession(record.id, { now: this.now(), ...(request.ttl_s !== undefined && { ttl_s: request.ttl_s }) }));
    if (!renewed) throw new AishError('SESSION_NOT_FOUND', `no session '${idOrName}'`, { session_id: idOrName });
    return this.info(renewed, await this.messageCount(store, renewed.id));
  }

  async delete(idOrName: string): Promise<{ status: 'deleted'; session_id: string }> {
    const store = await this.store();
    const deleted = await this.guarded(() => store.deleteSession(idOrName));
    if (!deleted) throw new AishError('SESSION_NOT_FOUND', `no session '${idOrName}'`, { session_id: idOrName });
    return { status: 'deleted', session_id: deleted.id };
  }

  async *stream(idOrName: string, request: SessionMessageRequest, signal?: AbortSignal, hooks?: CallHooks): AsyncIterable<StreamEvent> {
    if (typeof request.message !== 'string' || request.message === '') throw badField('message', 'a non-empty string');
    const { store, record } = await this.live(idOrName);
    const specialist = this.service.specialist(request.specialist_id ?? record.specialist_id);
    const window = request.context_window ?? record.context_window;
    const turn = await this.waitForTurn(store, record, request, signal);
    if (!turn) return;
    const { release, timeLeft } = turn;
    // A turn whose lease another process can take over stops the answer when it is lost (fencing).
    const joined = release.lost && signal ? joinSignals([signal, release.lost]) : undefined;
    const answering = joined?.signal ?? release.lost ?? signal;
    try {
      const history = (await this.guarded(() => store.messages(record.id, window))).map((row) => ({ role: row.role, content: row.content }));
      const asked = this.now();
      yield* this.service.answer(specialist, [...history, { role: 'user', content: request.message }], { ...request, ...(timeLeft !== undefined && { timeout: timeLeft }) }, answering, async (content, tokens, answeredBy) => {
        // Stored only while the turn is still ours: a lost lease means another answer may be under way.
        if (release.lost?.aborted) throw release.lost.reason;
        const { message_count } = await this.guarded(() => store.appendExchange(record.id, {
          user: { content: request.message, timestamp: asked, tokens: tokens.input },
          // A fallback may have stood in: the message says who really answered.
          assistant: { content, timestamp: this.now(), tokens: tokens.output, specialist_id: answeredBy.id },
          now: this.now(),
        }));
        return { session_id: record.id, message_count, context_used: history.length };
      }, hooks);
      // Stopped because the lease was lost, not by the caller: the caller hears why instead of a stream that just ends.
      if (release.lost?.aborted && !signal?.aborted) {
        const lost = toAishError(release.lost.reason);
        yield { type: 'error', code: lost.code, message: lost.message, ...(lost.details && { details: lost.details }) };
      }
    } finally {
      joined?.dispose();
      release();
    }
  }

  /**
   * Waits until no other answer in the session is under way, in this process or
   * another one sharing the database. The wait is part of the call's `timeout`:
   * `timeLeft` is what remains of it for the answer. Undefined when `signal`
   * aborted first (nothing was sent).
   */
  private async waitForTurn(store: AishStore, record: SessionRecord, request: SessionMessageRequest, signal: AbortSignal | undefined): Promise<{ release: ReleaseTurn; timeLeft?: number } | undefined> {
    const started = Date.now();
    const timeout = request.timeout;
    const timer = timeout !== undefined ? AbortSignal.timeout(Math.max(1, Math.round(timeout * 1000))) : undefined;
    const joined = timer && signal ? joinSignals([signal, timer]) : undefined;
    const waiting = joined?.signal ?? timer ?? signal;
    try {
      const release = await this.turns(store).acquire(record.id, waiting);
      if (timeout === undefined) return { release };
      return { release, timeLeft: Math.max(0.001, timeout - (Date.now() - started) / 1000) };
    } catch (error) {
      if (signal?.aborted) return undefined;
      if (timer?.aborted) {
        throw new AishError('TIMEOUT', `timed out after ${timeout} s waiting for another answer in session '${record.name ?? record.id}' to finish; nothing was sent`, { session_id: record.id });
      }
      throw storeFailure(error, this.database);
    } finally {
      joined?.dispose();
    }
  }

  async import(data: unknown, options: { force?: boolean }): Promise<SessionInfo> {
    const store = await this.store();
    try {
      const record = await store.importSession(withStoreTimes(data, this.now()), options);
      return this.info(record, await this.messageCount(store, record.id));
    } catch (error) {
      throw storeFailure(error, this.database);
    }
  }

  /**
   * Whose turn it is in each session: the coordinator the service was given,
   * else leases in the session database, so processes sharing the file answer
   * one at a time too.
   */
  private turns(store: AishStore): SessionLocks {
    this.locks ??= this.options.locks ?? new LeasedSessionLocks(store.sessionLeases, { ...(this.options.leaseMs !== undefined && { leaseMs: this.options.leaseMs }) });
    return this.locks;
  }

  /** Runs a store call, turning the store's failures (a full disk, an unreachable server) into protocol errors. */
  private async guarded<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw storeFailure(error, this.database);
    }
  }

  private async messageCount(store: AishStore, sessionId: string): Promise<number> {
    return (await this.guarded(() => store.messages(sessionId))).length;
  }

  private info(record: SessionRecord, messageCount: number): SessionInfo {
    return {
      id: record.id,
      name: record.name,
      specialist_id: record.specialist_id,
      context_window: record.context_window,
      ttl_s: record.ttl_s,
      metadata: record.metadata,
      message_count: messageCount,
      created_at: iso(record.created_at),
      last_activity: iso(record.last_activity),
      expires_at: expiresAt(record),
      expired: this.expired(record),
    };
  }

  /** Closes the store this keeper opened (one it was given belongs to whoever opened it). */
  close(): void {
    if (this.options.store) return;
    void this.opened?.then((store) => store.close()).catch(() => {});
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** When the session stops taking messages; null for a session that never expires (`ttl_s` 0). */
function expiresAt(record: { ttl_s: number; expires_at: number }): string | null {
  return record.ttl_s > 0 ? iso(record.expires_at) : null;
}

/** What a keeper needs besides the service. */
export interface SessionOptions {
  /** The SQLite file or PostgreSQL URL; sessions are refused without one. */
  database: string | undefined;
  /** PostgreSQL: the most connections the store's pool opens. */
  poolSize?: number;
  /** A store opened already: used instead of opening `database`. */
  store?: AishStore;
  /** Seconds a new session lives after its last activity (0 = never). */
  ttl: number;
  /** The time, in ms since the epoch: every expiry and timestamp is read from it. */
  clock: () => number;
  /** One answer at a time per session; by default, leases in the session database. */
  locks?: SessionLocks;
  /** How long a session lease lasts unless renewed, in ms (config `sessions.lock_lease`). */
  leaseMs?: number;
}

function message(row: MessageRecord): SessionDetail['messages'][number] {
  return { role: row.role, content: row.content, timestamp: iso(row.timestamp), ...(row.specialist_id && { specialist_id: row.specialist_id }) };
}

function badField(field: string, expected: string): AishError {
  return new AishError('BAD_REQUEST', `'${field}' must be ${expected}`, { field });
}

/** The store's errors as protocol errors, keeping their message. */
/** How SQLite says the disk is full: no room for a page, or for the shared-memory index to grow. */
const DISK_FULL_CODES = ['SQLITE_FULL', 'SQLITE_IOERR_SHMSIZE'];

function storeFailure(error: unknown, database?: string): unknown {
  const code = (error as { code?: string }).code;
  const text = (error as Error).message;
  if (code !== undefined && DISK_FULL_CODES.includes(code)) {
    return new AishError('STORAGE_FULL', `the session database${database ? ` (${database})` : ''} is full: the disk has no space left, so nothing was stored; free some space and try again`, undefined, { cause: error });
  }
  if (code === 'NAME_TAKEN') return new AishError('SESSION_NAME_TAKEN', text);
  if (code === 'ID_TAKEN') return new AishError('SESSION_EXISTS', `${text} (use --force to replace it)`);
  if (code === 'BAD_IMPORT') return new AishError('BAD_REQUEST', text);
  if (code === 'STORE_INVALID' || code === 'NEEDS_MIGRATION') return new AishError('DATABASE_INVALID', text);
  if (code === 'STORE_UNAVAILABLE') return new AishError('BACKEND_UNAVAILABLE', `${text}; nothing was done (retry when it is back)`, { backend: 'postgres' }, { cause: error });
  return error;
}

/**
 * An export holds times as ISO 8601 (as the protocol shows them); the store
 * keeps milliseconds. Anything that is not such a time is left for the store
 * to reject with a message naming the field.
 */
function withStoreTimes(data: unknown, now: number): unknown {
  if (typeof data !== 'object' || data === null) return data;
  const document = data as { session?: Record<string, unknown>; messages?: unknown };
  const toMs = (value: unknown): unknown => {
    if (typeof value !== 'string') return value;
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? value : ms;
  };
  const session = typeof document.session === 'object' && document.session !== null ? { ...document.session } : document.session;
  if (session) {
    for (const field of ['created_at', 'last_activity', 'expires_at']) session[field] = toMs(session[field]);
    // Restoring a session is activity: it lives `ttl_s` from now, not from when it was exported.
    if (typeof session.ttl_s === 'number') {
      session.last_activity = now;
      session.expires_at = now + session.ttl_s * 1000;
    }
  }
  const messages = Array.isArray(document.messages)
    ? document.messages.map((message: unknown) =>
        typeof message === 'object' && message !== null ? { ...message, timestamp: toMs((message as { timestamp?: unknown }).timestamp) } : message,
      )
    : document.messages;
  return { ...document, session, messages };
}
