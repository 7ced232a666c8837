/**
 * The store as the rest of aish sees it: sessions and their messages, capability
 * performance, the exchange log (with the answer cache and what budgets read) and
 * session leases. Two implementations pass one contract suite: SQLite (one file,
 * the default) and PostgreSQL (shared by replicas). Every method is asynchronous,
 * so a network database fits; writes that belong together run in one transaction
 * in both, so several processes can share one database without losing or
 * interleaving an exchange.
 */
import type { ExchangeLog } from './exchange-log.js';
import type { MessageRecord, SessionExport, SessionRecord, SessionSummary } from './records.js';
import { StoreError } from './store-error.js';

/** What `createSession` needs; `now` is the creation time in ms. */
export interface NewSession {
  id: string;
  name?: string;
  specialist_id: string;
  context_window: number;
  ttl_s: number;
  metadata?: Record<string, unknown>;
  now: number;
}

/** One user message and the assistant's answer to it, as `appendExchange` stores them. */
export interface NewExchange {
  /** `tokens` is stored as the user message's `tokens_input`. */
  user: { content: string; timestamp: number; tokens?: number };
  /** `tokens` is stored as the assistant message's `tokens_output`. */
  assistant: { content: string; timestamp: number; tokens?: number; specialist_id: string };
  /** The time of the exchange: the session's new `last_activity`. */
  now: number;
}

/** How `importSession` treats a session that already exists. */
export interface ImportOptions {
  /** Replace a session with the same id (its messages included) instead of refusing. */
  force?: boolean;
}

/** Routed calls measured for one specialist and capability. */
export interface CapabilityStats {
  specialist_id: string;
  requests: number;
  successes: number;
  total_ms: number;
}

/**
 * Session leases (`session_locks`): which process is answering in a session,
 * until when. Each call is one atomic statement, across every process sharing
 * the database; the coordinator built on it decides when to call them.
 */
export interface SessionLeases {
  /** Takes the lease for `holder` until `until` when it is free, ended before `now`, or already `holder`'s; whether it did. */
  tryTake(sessionId: string, holder: string, now: number, until: number): Promise<boolean>;
  /** Moves the end of `holder`'s lease to `until`; false when another holder has it (or nobody). */
  extend(sessionId: string, holder: string, until: number): Promise<boolean>;
  /** Ends `holder`'s lease; another holder's is left alone. */
  give(sessionId: string, holder: string): Promise<void>;
}

/** The aish database: open one with `openStore`. */
export interface AishStore {
  /** Where the data is: the SQLite file as given, or the PostgreSQL URL without its password. */
  readonly location: string;

  /** Counts one routed call of a specialist for a capability (one upsert, its own transaction). */
  recordCapabilityCall(specialistId: string, capability: string, elapsedMs: number, success: boolean): Promise<void>;

  /** What was measured for a capability, per specialist. */
  capabilityStats(capability: string): Promise<CapabilityStats[]>;

  /** Adds to what a server's client (its token label, or its address) spent on `day` (`server.budget_per_day`); returns the day's total. */
  addClientSpending(client: string, day: string, usd: number): Promise<number>;

  /** What a server's client has spent on `day` (0 when nothing). */
  clientSpending(client: string, day: string): Promise<number>;

  /** The exchange log (`aish history`, the answer cache, budgets) in the same database. */
  readonly exchanges: ExchangeLog;

  /** Who is answering in which session, shared by every process using the database. */
  readonly sessionLeases: SessionLeases;

  /** Closes the connection (or pool); the store cannot be used afterwards. */
  close(): Promise<void>;

  /**
   * Creates a session whose `last_activity` is `now` and which expires `ttl_s`
   * seconds later. Throws `ID_TAKEN` or `NAME_TAKEN` when another session has
   * the id or name (a name may not be another session's id either, or it could
   * never be looked up).
   */
  createSession(input: NewSession): Promise<SessionRecord>;

  /**
   * The session `input.name` names (by id or name), or a new one created with
   * `input`, in one transaction: several processes continuing one new name at
   * once all end up in the same session.
   */
  openNamedSession(input: NewSession & { name: string }): Promise<{ session: SessionRecord; created: boolean }>;

  /** The session with this id or, failing that, this name. Expired sessions are found too. */
  findSession(idOrName: string): Promise<SessionRecord | undefined>;

  /** Every session with its message count, most recent activity first. */
  listSessions(): Promise<SessionSummary[]>;

  /**
   * Moves the session's `last_activity` to `renewal.now` and `expires_at` to
   * `ttl_s` after it (`renewal.ttl_s` replaces the session's own when given).
   * Returns the session as it now is; undefined when there is no such id.
   */
  renewSession(sessionId: string, renewal: { now: number; ttl_s?: number }): Promise<SessionRecord | undefined>;

  /** Deletes the session with this id or name and its messages; returns what was deleted. */
  deleteSession(idOrName: string): Promise<SessionRecord | undefined>;

  /**
   * The session's messages, oldest first: all of them, or those of the last
   * `lastExchanges` exchanges (from the N-th last user message on). 0,
   * `undefined` or anything else below 1 means all.
   */
  messages(sessionId: string, lastExchanges?: number): Promise<MessageRecord[]>;

  /**
   * Appends a user message and the assistant's answer, and moves the session's
   * `last_activity` to `now` and `expires_at` to `now + ttl_s * 1000`, all in one
   * transaction. Throws `SESSION_NOT_FOUND` when there is no session with this id.
   */
  appendExchange(sessionId: string, exchange: NewExchange): Promise<{ message_count: number }>;

  /** The whole session (found by id or name) as a JSON-ready document. */
  exportSession(idOrName: string): Promise<SessionExport | undefined>;

  /**
   * Stores a session export as it is (times included). Throws `BAD_IMPORT`
   * naming the field when `data` is not a session export, `ID_TAKEN` when the
   * id exists (unless `force`, which replaces that session in one transaction)
   * and `NAME_TAKEN` when another session has the name.
   */
  importSession(data: unknown, options?: ImportOptions): Promise<SessionRecord>;
}

/** A new session record from what `createSession` was given. */
export function newSessionRecord(input: NewSession): SessionRecord {
  return {
    id: input.id,
    name: input.name ?? null,
    specialist_id: input.specialist_id,
    context_window: input.context_window,
    ttl_s: input.ttl_s,
    metadata: input.metadata ?? {},
    created_at: input.now,
    last_activity: input.now,
    expires_at: input.now + input.ttl_s * 1000,
  };
}

/** How a session is being written: created, imported, or imported over the session with its id (`force`). */
export type ClashMode = 'create' | 'import' | 'replace';

/** The id and name of a stored session. */
export interface SessionKeys {
  id: string;
  name: string | null;
}

/**
 * Why `session` may not be written, given the stored sessions whose id or name
 * is its id or name; undefined when it may. Ids and names share one namespace
 * for lookups (`findSession` tries the id first), so a new id may not be
 * another session's name and a new name may not be another session's id.
 */
export function findClash(session: SessionKeys, mode: ClashMode, stored: readonly SessionKeys[]): StoreError | undefined {
  const withId = (id: string) => stored.some((other) => other.id === id);
  const named = (name: string) => stored.find((other) => other.name === name)?.id;
  if (mode !== 'replace' && withId(session.id)) {
    // The service says how to replace it (`--force`): one hint, not two.
    return new StoreError('ID_TAKEN', `a session with id "${session.id}" already exists`);
  }
  const nameHolder = named(session.id);
  if (nameHolder !== undefined && nameHolder !== session.id) {
    return new StoreError('ID_TAKEN', `session id "${session.id}" is already the name of session ${nameHolder}`);
  }
  if (session.name === null) return undefined;
  const holder = named(session.name);
  if (holder !== undefined && holder !== session.id) {
    return new StoreError('NAME_TAKEN', `session name "${session.name}" is already taken by session ${holder}`);
  }
  if (session.name !== session.id && withId(session.name)) {
    return new StoreError('NAME_TAKEN', `session name "${session.name}" is already the id of another session`);
  }
  return undefined;
}
