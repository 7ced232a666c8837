/**
 * The aish database: sessions and their messages. Every method is
 * synchronous and runs prepared statements made once, when the store opens;
 * writes that belong together run in one immediate transaction, so several
 * connections (processes) can share the file without losing or interleaving
 * an exchange.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { ExchangeLog } from './exchange-log.js';
import { openDatabase } from './open-database.js';
import { sessionFromRow, type MessageRecord, type SessionExport, type SessionRecord, type SessionRow, type SessionSummary } from './records.js';
import { parseSessionExport } from './session-import.js';
import { SessionLeases } from './session-leases.js';
import { StoreError } from './store-error.js';

type Database = BetterSqlite3.Database;

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

interface MessageRow extends MessageRecord {
  session_id: string;
  seq: number;
}

const SESSION_COLUMNS = 'id, name, specialist_id, context_window, ttl_s, metadata, created_at, last_activity, expires_at';
const MESSAGE_COLUMNS = 'role, content, timestamp, tokens_input, tokens_output, specialist_id';

/** The aish database at one file, through one connection. Open with `AishStore.open`. */
export class AishStore {
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly writeSession: (session: SessionRecord) => void;
  private readonly findOrWriteSession: (session: SessionRecord & { name: string }) => { session: SessionRecord; created: boolean };
  private readonly removeSession: (idOrName: string) => SessionRecord | undefined;
  private readonly writeExchange: (sessionId: string, exchange: NewExchange) => { message_count: number };
  private readonly writeImport: (document: SessionExport, force: boolean) => void;
  private readonly readExport: (idOrName: string) => SessionExport | undefined;

  private constructor(
    private readonly db: Database,
    /** The database file, as given to `open`. */
    readonly file: string,
  ) {
    this.statements = prepareStatements(db);
    this.writeSession = db.transaction((session: SessionRecord) => {
      this.refuseClashes(session, 'create');
      this.statements.insertSession.run({ ...session, metadata: JSON.stringify(session.metadata) });
    }).immediate;
    this.findOrWriteSession = db.transaction((session: SessionRecord & { name: string }) => {
      const existing = this.findSession(session.name);
      if (existing) return { session: existing, created: false };
      this.writeSession(session);
      return { session, created: true };
    }).immediate;
    this.removeSession = db.transaction((idOrName: string) => {
      const session = this.findSession(idOrName);
      if (session) this.statements.deleteSession.run(session.id);
      return session;
    }).immediate;
    this.writeExchange = db.transaction((sessionId: string, exchange: NewExchange) => this.appendInTransaction(sessionId, exchange)).immediate;
    this.writeImport = db.transaction((document: SessionExport, force: boolean) => this.importInTransaction(document, force)).immediate;
    this.readExport = db.transaction((idOrName: string) => {
      const session = this.findSession(idOrName);
      return session && { format: 'aish-session' as const, version: 1 as const, session, messages: this.messages(session.id) };
    }).deferred;
  }

  /**
   * Opens the database at `file`, creating it (and its folder) when missing and
   * migrating it forward. Throws `StoreError` `STORE_INVALID` when the file is
   * not an aish database or was written by a newer aish; the file is left as it was.
   */
  static open(file: string): AishStore {
    return new AishStore(openDatabase(file), file);
  }

  /** Counts one routed call of a specialist for a capability (one upsert, its own transaction). */
  recordCapabilityCall(specialistId: string, capability: string, elapsedMs: number, success: boolean): void {
    this.statements.recordCapabilityCall.run({ specialist_id: specialistId, capability, ms: Math.max(0, Math.round(elapsedMs)), success: success ? 1 : 0 });
  }

  /** What was measured for a capability, per specialist. */
  capabilityStats(capability: string): CapabilityStats[] {
    return this.statements.capabilityStats.all(capability);
  }

  private log: ExchangeLog | undefined;

  /** The exchange log (`aish history`); its statements are prepared on first use. */
  get exchanges(): ExchangeLog {
    this.log ??= new ExchangeLog(this.db);
    return this.log;
  }

  private leases: SessionLeases | undefined;

  /** Who is answering in which session, shared by every process using the file. */
  get sessionLeases(): SessionLeases {
    this.leases ??= new SessionLeases(this.db);
    return this.leases;
  }

  /** Closes the connection; the store cannot be used afterwards. */
  close(): void {
    this.db.close();
  }

  /**
   * Runs `work` in one immediate transaction: store calls inside it commit or
   * roll back together (they nest as savepoints). `work` must be synchronous.
   */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  /**
   * Creates a session whose `last_activity` is `now` and which expires `ttl_s`
   * seconds later. Throws `ID_TAKEN` or `NAME_TAKEN` when another session has
   * the id or name (a name may not be another session's id either, or it could
   * never be looked up).
   */
  createSession(input: NewSession): SessionRecord {
    const session = newRecord(input);
    this.writeSession(session);
    return session;
  }

  /**
   * The session `input.name` names (by id or name), or a new one created with
   * `input`, in one transaction: several processes continuing one new name at
   * once all end up in the same session.
   */
  openNamedSession(input: NewSession & { name: string }): { session: SessionRecord; created: boolean } {
    return this.findOrWriteSession({ ...newRecord(input), name: input.name });
  }

  /** The session with this id or, failing that, this name. Expired sessions are found too. */
  findSession(idOrName: string): SessionRecord | undefined {
    const row = this.statements.sessionById.get(idOrName) ?? this.statements.sessionByName.get(idOrName);
    return row && sessionFromRow(row);
  }

  /** Every session with its message count, most recent activity first. */
  listSessions(): SessionSummary[] {
    return this.statements.listSessions.all();
  }

  /**
   * Moves the session's `last_activity` to `renewal.now` and `expires_at` to
   * `ttl_s` after it (`renewal.ttl_s` replaces the session's own when given).
   * Returns the session as it now is; undefined when there is no such id.
   */
  renewSession(sessionId: string, renewal: { now: number; ttl_s?: number }): SessionRecord | undefined {
    return this.transaction(() => {
      const session = this.findSession(sessionId);
      if (!session || session.id !== sessionId) return undefined;
      const ttl = renewal.ttl_s ?? session.ttl_s;
      this.statements.renewSession.run({ id: sessionId, ttl_s: ttl, last_activity: renewal.now, expires_at: renewal.now + ttl * 1000 });
      return { ...session, ttl_s: ttl, last_activity: renewal.now, expires_at: renewal.now + ttl * 1000 };
    });
  }

  /** Deletes the session with this id or name and its messages; returns what was deleted. */
  deleteSession(idOrName: string): SessionRecord | undefined {
    return this.removeSession(idOrName);
  }

  /**
   * The session's messages, oldest first: all of them, or those of the last
   * `lastExchanges` exchanges (from the N-th last user message on). 0,
   * `undefined` or anything else below 1 means all.
   */
  messages(sessionId: string, lastExchanges?: number): MessageRecord[] {
    const exchanges = Math.floor(lastExchanges ?? 0);
    if (!(exchanges > 0)) return this.statements.allMessages.all(sessionId);
    return this.statements.lastMessages.all({ session_id: sessionId, skip: exchanges - 1 });
  }

  /**
   * Appends a user message and the assistant's answer, and moves the session's
   * `last_activity` to `now` and `expires_at` to `now + ttl_s * 1000`, all in one
   * transaction. Throws `SESSION_NOT_FOUND` when there is no session with this id.
   */
  appendExchange(sessionId: string, exchange: NewExchange): { message_count: number } {
    return this.writeExchange(sessionId, exchange);
  }

  /** The whole session (found by id or name) as a JSON-ready document. */
  exportSession(idOrName: string): SessionExport | undefined {
    return this.readExport(idOrName);
  }

  /**
   * Stores a session export as it is (times included). Throws `BAD_IMPORT`
   * naming the field when `data` is not a session export, `ID_TAKEN` when the
   * id exists (unless `force`, which replaces that session in one transaction)
   * and `NAME_TAKEN` when another session has the name.
   */
  importSession(data: unknown, options: ImportOptions = {}): SessionRecord {
    const document = parseSessionExport(data);
    this.writeImport(document, options.force ?? false);
    return document.session;
  }

  private appendInTransaction(sessionId: string, exchange: NewExchange): { message_count: number } {
    const state = this.statements.appendState.get(sessionId);
    if (state === undefined) throw new StoreError('SESSION_NOT_FOUND', `no session with id "${sessionId}"`);
    const { user, assistant, now } = exchange;
    const { insertMessage, touchSession } = this.statements;
    insertMessage.run({
      session_id: sessionId, seq: state.last_seq + 1, role: 'user', content: user.content, timestamp: user.timestamp,
      tokens_input: user.tokens ?? null, tokens_output: null, specialist_id: null,
    });
    insertMessage.run({
      session_id: sessionId, seq: state.last_seq + 2, role: 'assistant', content: assistant.content, timestamp: assistant.timestamp,
      tokens_input: null, tokens_output: assistant.tokens ?? null, specialist_id: assistant.specialist_id,
    });
    touchSession.run({ id: sessionId, last_activity: now, expires_at: now + state.ttl_s * 1000 });
    return { message_count: state.message_count + 2 };
  }

  private importInTransaction(document: SessionExport, force: boolean): void {
    const { session, messages } = document;
    this.refuseClashes(session, force ? 'replace' : 'import');
    this.statements.deleteSession.run(session.id);
    this.statements.insertSession.run({ ...session, metadata: JSON.stringify(session.metadata) });
    messages.forEach((message, index) => this.statements.insertMessage.run({ ...message, session_id: session.id, seq: index + 1 }));
  }

  /**
   * Ids and names share one namespace for lookups (`findSession` tries the id
   * first), so a new id may not be another session's name and a new name may
   * not be another session's id.
   */
  private refuseClashes(session: SessionRecord, mode: 'create' | 'import' | 'replace'): void {
    const { sessionExists, idByName } = this.statements;
    if (mode !== 'replace' && sessionExists.get(session.id) !== undefined) {
      // The service says how to replace it (`--force`): one hint, not two.
      throw new StoreError('ID_TAKEN', `a session with id "${session.id}" already exists`);
    }
    const named = idByName.get(session.id);
    if (named !== undefined && named !== session.id) {
      throw new StoreError('ID_TAKEN', `session id "${session.id}" is already the name of session ${named}`);
    }
    if (session.name === null) return;
    const holder = idByName.get(session.name);
    if (holder !== undefined && holder !== session.id) {
      throw new StoreError('NAME_TAKEN', `session name "${session.name}" is already taken by session ${holder}`);
    }
    if (session.name !== session.id && sessionExists.get(session.name) !== undefined) {
      throw new StoreError('NAME_TAKEN', `session name "${session.name}" is already the id of another session`);
    }
  }
}

function newRecord(input: NewSession): SessionRecord {
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

/** Routed calls measured for one specialist and capability. */
export interface CapabilityStats {
  specialist_id: string;
  requests: number;
  successes: number;
  total_ms: number;
}

function prepareStatements(db: Database) {
  const lastUserSeq = "SELECT seq FROM messages WHERE session_id = @session_id AND role = 'user' ORDER BY seq DESC LIMIT 1 OFFSET @skip";
  return {
    insertSession: db.prepare<[SessionRow]>(
      `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (@id, @name, @specialist_id, @context_window, @ttl_s, @metadata, @created_at, @last_activity, @expires_at)`,
    ),
    sessionById: db.prepare<[string], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = ?`),
    sessionByName: db.prepare<[string], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE name = ?`),
    sessionExists: db.prepare<[string], 1>('SELECT 1 FROM sessions WHERE id = ?').pluck(),
    idByName: db.prepare<[string], string>('SELECT id FROM sessions WHERE name = ?').pluck(),
    // Read under the transaction's write lock, so no other connection can append in between.
    appendState: db.prepare<[string], { ttl_s: number; last_seq: number; message_count: number }>(
      `SELECT s.ttl_s,
              coalesce((SELECT max(seq) FROM messages m WHERE m.session_id = s.id), 0) AS last_seq,
              (SELECT count(*) FROM messages m WHERE m.session_id = s.id) AS message_count
         FROM sessions s WHERE s.id = ?`,
    ),
    listSessions: db.prepare<[], SessionSummary>(
      `SELECT s.id, s.name, s.specialist_id,
              (SELECT count(*) FROM messages m WHERE m.session_id = s.id) AS message_count,
              s.ttl_s, s.created_at, s.last_activity, s.expires_at
         FROM sessions s ORDER BY s.last_activity DESC, s.created_at DESC, s.id`,
    ),
    deleteSession: db.prepare<[string]>('DELETE FROM sessions WHERE id = ?'),
    insertMessage: db.prepare<[MessageRow]>(
      `INSERT INTO messages (session_id, seq, ${MESSAGE_COLUMNS}) VALUES (@session_id, @seq, @role, @content, @timestamp, @tokens_input, @tokens_output, @specialist_id)`,
    ),
    touchSession: db.prepare<[{ id: string; last_activity: number; expires_at: number }]>(
      'UPDATE sessions SET last_activity = @last_activity, expires_at = @expires_at WHERE id = @id',
    ),
    renewSession: db.prepare<[{ id: string; ttl_s: number; last_activity: number; expires_at: number }]>(
      'UPDATE sessions SET ttl_s = @ttl_s, last_activity = @last_activity, expires_at = @expires_at WHERE id = @id',
    ),
    recordCapabilityCall: db.prepare<[{ specialist_id: string; capability: string; ms: number; success: number }]>(
      `INSERT INTO capability_stats (specialist_id, capability, requests, successes, total_ms)
       VALUES (@specialist_id, @capability, 1, @success, @ms)
       ON CONFLICT (specialist_id, capability) DO UPDATE SET
         requests = requests + 1, successes = successes + excluded.successes, total_ms = total_ms + excluded.total_ms`,
    ),
    capabilityStats: db.prepare<[string], CapabilityStats>(
      'SELECT specialist_id, requests, successes, total_ms FROM capability_stats WHERE capability = ?',
    ),
    allMessages: db.prepare<[string], MessageRecord>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY seq`),
    lastMessages: db.prepare<[{ session_id: string; skip: number }], MessageRecord>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages
        WHERE session_id = @session_id AND seq >= coalesce((${lastUserSeq}), 0)
        ORDER BY seq`,
    ),
  };
}
