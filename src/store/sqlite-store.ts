/**
 * The aish store on SQLite: one file (WAL), one connection. Statements are
 * prepared once, when the store opens, and run synchronously (the methods are
 * asynchronous only to fit the `AishStore` interface); writes that belong
 * together run in one immediate transaction, so several connections
 * (processes) can share the file without losing or interleaving an exchange.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { openDatabase, type MigrateOptions } from './open-database.js';
import { sessionFromRow, type MessageRecord, type SessionExport, type SessionRecord, type SessionRow, type SessionSummary } from './records.js';
import { parseSessionExport } from './session-import.js';
import { SqliteExchangeLog } from './sqlite-exchange-log.js';
import { SqliteSessionLeases } from './sqlite-session-leases.js';
import { StoreError } from './store-error.js';
import { findClash, newSessionRecord, type AishStore, type ClashMode, type SessionKeys, type CapabilityStats, type ImportOptions, type NewExchange, type NewSession } from './store.js';

type Database = BetterSqlite3.Database;

interface MessageRow extends MessageRecord {
  session_id: string;
  seq: number;
}

const SESSION_COLUMNS = 'id, name, specialist_id, context_window, ttl_s, metadata, created_at, last_activity, expires_at';
const MESSAGE_COLUMNS = 'role, content, timestamp, tokens_input, tokens_output, specialist_id';

/** The aish database at one file, through one connection. Open with `SqliteStore.open` (or `openStore`). */
export class SqliteStore implements AishStore {
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly writeSession: (session: SessionRecord) => void;
  private readonly findOrWriteSession: (session: SessionRecord & { name: string }) => { session: SessionRecord; created: boolean };
  private readonly removeSession: (idOrName: string) => SessionRecord | undefined;
  private readonly writeExchange: (sessionId: string, exchange: NewExchange) => { message_count: number };
  private readonly writeImport: (document: SessionExport, force: boolean) => void;
  private readonly readExport: (idOrName: string) => SessionExport | undefined;
  private readonly writeRenewal: (sessionId: string, renewal: { now: number; ttl_s?: number }) => SessionRecord | undefined;

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
      const existing = this.sessionNamed(session.name);
      if (existing) return { session: existing, created: false };
      this.writeSession(session);
      return { session, created: true };
    }).immediate;
    this.removeSession = db.transaction((idOrName: string) => {
      const session = this.sessionNamed(idOrName);
      if (session) this.statements.deleteSession.run(session.id);
      return session;
    }).immediate;
    this.writeExchange = db.transaction((sessionId: string, exchange: NewExchange) => this.appendInTransaction(sessionId, exchange)).immediate;
    this.writeImport = db.transaction((document: SessionExport, force: boolean) => this.importInTransaction(document, force)).immediate;
    this.readExport = db.transaction((idOrName: string) => {
      const session = this.sessionNamed(idOrName);
      return session && { format: 'aish-session' as const, version: 1 as const, session, messages: this.statements.allMessages.all(session.id) };
    }).deferred;
    this.writeRenewal = db.transaction((sessionId: string, renewal: { now: number; ttl_s?: number }) => {
      const session = this.sessionNamed(sessionId);
      if (!session || session.id !== sessionId) return undefined;
      const ttl = renewal.ttl_s ?? session.ttl_s;
      this.statements.renewSession.run({ id: sessionId, ttl_s: ttl, last_activity: renewal.now, expires_at: renewal.now + ttl * 1000 });
      return { ...session, ttl_s: ttl, last_activity: renewal.now, expires_at: renewal.now + ttl * 1000 };
    }).immediate;
  }

  /**
   * Opens the database at `file`, creating it (and its folder) when missing and
   * migrating it forward. Throws `StoreError` `STORE_INVALID` when the file is
   * not an aish database or was written by a newer aish; the file is left as it was.
   */
  static open(file: string, options: MigrateOptions = {}): SqliteStore {
    return new SqliteStore(openDatabase(file, options), file);
  }

  get location(): string {
    return this.file;
  }

  async recordCapabilityCall(specialistId: string, capability: string, elapsedMs: number, success: boolean): Promise<void> {
    this.statements.recordCapabilityCall.run({ specialist_id: specialistId, capability, ms: Math.max(0, Math.round(elapsedMs)), success: success ? 1 : 0 });
  }

  async capabilityStats(capability: string): Promise<CapabilityStats[]> {
    return this.statements.capabilityStats.all(capability);
  }

  async addClientSpending(client: string, day: string, usd: number): Promise<number> {
    return this.statements.addClientSpending.get(client, day, usd) as number;
  }

  async clientSpending(client: string, day: string): Promise<number> {
    return (this.statements.clientSpending.get(client, day) as number | undefined) ?? 0;
  }

  private log: SqliteExchangeLog | undefined;

  /** The exchange log (`aish history`); its statements are prepared on first use. */
  get exchanges(): SqliteExchangeLog {
    this.log ??= new SqliteExchangeLog(this.db);
    return this.log;
  }

  private leases: SqliteSessionLeases | undefined;

  get sessionLeases(): SqliteSessionLeases {
    this.leases ??= new SqliteSessionLeases(this.db);
    return this.leases;
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** The connection, for benchmarks and tests that look behind the store's back (bulk loading, say). */
  get connection(): Database {
    return this.db;
  }

  async createSession(input: NewSession): Promise<SessionRecord> {
    const session = newSessionRecord(input);
    this.writeSession(session);
    return session;
  }

  async openNamedSession(input: NewSession & { name: string }): Promise<{ session: SessionRecord; created: boolean }> {
    return this.findOrWriteSession({ ...newSessionRecord(input), name: input.name });
  }

  async findSession(idOrName: string): Promise<SessionRecord | undefined> {
    return this.sessionNamed(idOrName);
  }

  async listSessions(): Promise<SessionSummary[]> {
    return this.statements.listSessions.all();
  }

  async renewSession(sessionId: string, renewal: { now: number; ttl_s?: number }): Promise<SessionRecord | undefined> {
    return this.writeRenewal(sessionId, renewal);
  }

  async deleteSession(idOrName: string): Promise<SessionRecord | undefined> {
    return this.removeSession(idOrName);
  }

  async messages(sessionId: string, lastExchanges?: number): Promise<MessageRecord[]> {
    const exchanges = Math.floor(lastExchanges ?? 0);
    if (!(exchanges > 0)) return this.statements.allMessages.all(sessionId);
    return this.statements.lastMessages.all({ session_id: sessionId, skip: exchanges - 1 });
  }

  async appendExchange(sessionId: string, exchange: NewExchange): Promise<{ message_count: number }> {
    return this.writeExchange(sessionId, exchange);
  }

  async exportSession(idOrName: string): Promise<SessionExport | undefined> {
    return this.readExport(idOrName);
  }

  async importSession(data: unknown, options: ImportOptions = {}): Promise<SessionRecord> {
    const document = parseSessionExport(data);
    this.writeImport(document, options.force ?? false);
    return document.session;
  }

  /** The session with this id or, failing that, this name (synchronous, for use inside a transaction). */
  private sessionNamed(idOrName: string): SessionRecord | undefined {
    const row = this.statements.sessionById.get(idOrName) ?? this.statements.sessionByName.get(idOrName);
    return row && sessionFromRow(row);
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
    touchSession.run({ id: sessionId, last_activity: now, expires_at: now + state.ttl_s * 1000, last_seq: state.last_seq + 2 });
    return { message_count: state.message_count + 2 };
  }

  private importInTransaction(document: SessionExport, force: boolean): void {
    const { session, messages } = document;
    this.refuseClashes(session, force ? 'replace' : 'import');
    this.statements.deleteSession.run(session.id);
    this.statements.insertSession.run({ ...session, metadata: JSON.stringify(session.metadata) });
    messages.forEach((message, index) => this.statements.insertMessage.run({ ...message, session_id: session.id, seq: index + 1 }));
    this.statements.setLastSeq.run({ id: session.id, last_seq: messages.length });
  }

  private refuseClashes(session: SessionRecord, mode: ClashMode): void {
    const clash = findClash(session, mode, this.statements.sessionKeys.all({ id: session.id, name: session.name }));
    if (clash) throw clash;
  }
}

function prepareStatements(db: Database) {
  const lastUserSeq = "SELECT seq FROM messages WHERE session_id = @session_id AND role = 'user' ORDER BY seq DESC LIMIT 1 OFFSET @skip";
  return {
    insertSession: db.prepare<[SessionRow]>(
      `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (@id, @name, @specialist_id, @context_window, @ttl_s, @metadata, @created_at, @last_activity, @expires_at)`,
    ),
    sessionById: db.prepare<[string], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = ?`),
    sessionByName: db.prepare<[string], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE name = ?`),
    sessionKeys: db.prepare<[{ id: string; name: string | null }], SessionKeys>(
      'SELECT id, name FROM sessions WHERE id IN (@id, @name) OR name IN (@id, @name)',
    ),
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
    touchSession: db.prepare<[{ id: string; last_activity: number; expires_at: number; last_seq: number }]>(
      'UPDATE sessions SET last_activity = @last_activity, expires_at = @expires_at, last_seq = @last_seq WHERE id = @id',
    ),
    setLastSeq: db.prepare<[{ id: string; last_seq: number }]>('UPDATE sessions SET last_seq = @last_seq WHERE id = @id'),
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
    addClientSpending: db
      .prepare<[string, string, number]>(
        'INSERT INTO client_spending (client, day, usd) VALUES (?, ?, ?) ON CONFLICT (client, day) DO UPDATE SET usd = usd + excluded.usd RETURNING usd',
      )
      .pluck(),
    clientSpending: db.prepare<[string, string]>('SELECT usd FROM client_spending WHERE client = ? AND day = ?').pluck(),
    allMessages: db.prepare<[string], MessageRecord>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY seq`),
    lastMessages: db.prepare<[{ session_id: string; skip: number }], MessageRecord>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages
        WHERE session_id = @session_id AND seq >= coalesce((${lastUserSeq}), 0)
        ORDER BY seq`,
    ),
  };
}
