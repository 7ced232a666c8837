/**
 * The database schema as an ordered, append-only list of named migrations
 * (after simonw/llm's `migrations.py`), the same steps for both backends: each
 * one is SQL for SQLite and SQL for PostgreSQL. Migration N brings the database
 * to version N (SQLite's `PRAGMA user_version` too) and is recorded by name in
 * `aish_migrations`, in the same transaction as its changes: a database is
 * always at a whole version.
 *
 * To change the schema, append a migration (both dialects); never edit or
 * reorder one that has shipped. Names are `mNNN_what_it_does`.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { invalidStore as invalid, StoreError } from './store-error.js';

type Database = BetterSqlite3.Database;

/** One step of the schema's history: its SQL in each dialect, run inside a transaction (no transaction statements of its own). */
export interface Migration {
  name: string;
  sqlite: string;
  postgres: string;
}

/**
 * Words standing for what the dialects spell differently, in SQL written once for both:
 * `{BIG}` a 64-bit integer (times in ms, ids, counts) and `{SERIAL}` an id column that
 * numbers rows itself and never reuses a number.
 */
const DIALECTS = {
  sqlite: { BIG: 'INTEGER', SERIAL: 'INTEGER PRIMARY KEY AUTOINCREMENT' },
  postgres: { BIG: 'BIGINT', SERIAL: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY' },
};

/** A migration's SQL for both backends, from one text using the words of `DIALECTS`. */
function inBoth(sql: string): Pick<Migration, 'sqlite' | 'postgres'> {
  const spell = (words: Record<string, string>) => sql.replace(/\{(BIG|SERIAL)\}/g, (_, word: string) => words[word]!);
  return { sqlite: spell(DIALECTS.sqlite), postgres: spell(DIALECTS.postgres) };
}

/** The table recording which migrations a database has had, by version and name. */
export const MIGRATION_TABLE = 'aish_migrations';

/** Every migration, oldest first. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'm001_sessions',
    ...inBoth(`
        CREATE TABLE sessions (
          id TEXT PRIMARY KEY NOT NULL,
          name TEXT UNIQUE,
          specialist_id TEXT NOT NULL,
          context_window INTEGER NOT NULL,
          ttl_s INTEGER NOT NULL,
          metadata TEXT NOT NULL DEFAULT '{}',
          created_at {BIG} NOT NULL,
          last_activity {BIG} NOT NULL,
          expires_at {BIG} NOT NULL
        );
        CREATE TABLE messages (
          id {SERIAL},
          session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
          seq INTEGER NOT NULL,
          role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
          content TEXT NOT NULL,
          timestamp {BIG} NOT NULL,
          tokens_input INTEGER,
          tokens_output INTEGER,
          specialist_id TEXT
        );
        -- Unique, so two writers that somehow computed the same seq fail loudly instead of interleaving.
        CREATE UNIQUE INDEX messages_session_seq ON messages (session_id, seq);
      `),
  },
  {
    // Measured performance per specialist and capability, for @capability routing.
    name: 'm002_capability_stats',
    ...inBoth(`
        CREATE TABLE capability_stats (
          specialist_id TEXT NOT NULL,
          capability TEXT NOT NULL,
          requests {BIG} NOT NULL,
          successes {BIG} NOT NULL,
          total_ms {BIG} NOT NULL,
          PRIMARY KEY (specialist_id, capability)
        );
      `),
  },
  {
    // The local log of AI exchanges (`aish history`), searchable by words through FTS5.
    name: 'm003_exchange_log',
    sqlite: `
        -- AUTOINCREMENT: users type these ids (\`history show 12\`, \`!12\`), so one is never reused.
        CREATE TABLE exchanges (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          started_at INTEGER NOT NULL,
          command_line TEXT NOT NULL,
          specialist TEXT NOT NULL,
          model TEXT,
          message TEXT NOT NULL,
          answer TEXT NOT NULL,
          tokens_in INTEGER,
          tokens_out INTEGER,
          duration_ms INTEGER NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('ok', 'error', 'cancelled')),
          error_code TEXT,
          session_id TEXT,
          cost_usd REAL
        );
        CREATE INDEX exchanges_started_at ON exchanges (started_at);
        CREATE INDEX exchanges_specialist ON exchanges (specialist, id);
        -- External content: the words are indexed, the text itself is kept once, in exchanges.
        CREATE VIRTUAL TABLE exchanges_fts USING fts5(
          message, answer, content = 'exchanges', content_rowid = 'id',
          tokenize = 'porter unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER exchanges_fts_insert AFTER INSERT ON exchanges BEGIN
          INSERT INTO exchanges_fts (rowid, message, answer) VALUES (new.id, new.message, new.answer);
        END;
        CREATE TRIGGER exchanges_fts_delete AFTER DELETE ON exchanges BEGIN
          INSERT INTO exchanges_fts (exchanges_fts, rowid, message, answer) VALUES ('delete', old.id, old.message, old.answer);
        END;
        CREATE TRIGGER exchanges_fts_update AFTER UPDATE OF message, answer ON exchanges BEGIN
          INSERT INTO exchanges_fts (exchanges_fts, rowid, message, answer) VALUES ('delete', old.id, old.message, old.answer);
          INSERT INTO exchanges_fts (rowid, message, answer) VALUES (new.id, new.message, new.answer);
        END;
      `,
    postgres: `
        -- Words are stemmed as FTS5's porter tokenizer does, and no word is a stop word
        -- (english's list drops 'not', 'now' …, which a search must still find).
        CREATE TEXT SEARCH DICTIONARY aish_english_stem (TEMPLATE = snowball, Language = english);
        CREATE TEXT SEARCH CONFIGURATION aish_search (COPY = english);
        ALTER TEXT SEARCH CONFIGURATION aish_search
          ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH aish_english_stem;
        CREATE TABLE exchanges (
          id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
          started_at BIGINT NOT NULL,
          command_line TEXT NOT NULL,
          specialist TEXT NOT NULL,
          model TEXT,
          message TEXT NOT NULL,
          answer TEXT NOT NULL,
          tokens_in BIGINT,
          tokens_out BIGINT,
          duration_ms BIGINT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('ok', 'error', 'cancelled')),
          error_code TEXT,
          session_id TEXT,
          cost_usd DOUBLE PRECISION,
          -- The word index, kept in step by PostgreSQL itself. A tsvector holds at most 1 MB,
          -- so only the first 100,000 characters of each text are indexed.
          words tsvector GENERATED ALWAYS AS (to_tsvector('aish_search', left(message, 100000) || ' ' || left(answer, 100000))) STORED
        );
        CREATE INDEX exchanges_started_at ON exchanges (started_at);
        CREATE INDEX exchanges_specialist ON exchanges (specialist, id);
        CREATE INDEX exchanges_words ON exchanges USING GIN (words);
      `,
  },
  {
    // Who is answering in a session right now, across every process sharing the file: one row
    // per session while an answer is under way, until `expires_at` unless the holder renews it.
    name: 'm004_session_locks',
    ...inBoth(`
        CREATE TABLE session_locks (
          session_id TEXT PRIMARY KEY NOT NULL,
          holder TEXT NOT NULL,
          expires_at {BIG} NOT NULL
        );
      `),
  },
  {
    // The cache lives in the exchange log: a successful exchange's request key
    // answers the same request again, and a replayed exchange names its original.
    name: 'm005_exchange_cache',
    ...inBoth(`
        ALTER TABLE exchanges ADD COLUMN cache_key TEXT;
        ALTER TABLE exchanges ADD COLUMN cached_from {BIG};
        CREATE INDEX exchanges_cache_key ON exchanges (cache_key, id) WHERE cache_key IS NOT NULL;
        CREATE INDEX exchanges_cached_from ON exchanges (started_at) WHERE cached_from IS NOT NULL;
      `),
  },
  {
    // The tool calls a specialist made during an exchange, as a JSON array
    // (name, arguments, status, bytes, duration_ms each); null when it made none.
    name: 'm006_exchange_tool_calls',
    ...inBoth('ALTER TABLE exchanges ADD COLUMN tool_calls TEXT'),
  },
  {
    // The sequence number of a session's last message, kept on the session's row: an append
    // is then one UPDATE … RETURNING (which waits for, and sees, any concurrent append to the
    // session) and the INSERT of its two messages, in one statement.
    name: 'm007_session_last_seq',
    ...inBoth(`
        ALTER TABLE sessions ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
        UPDATE sessions SET last_seq = coalesce((SELECT max(seq) FROM messages WHERE messages.session_id = sessions.id), 0);
      `),
  },
  {
    // What each client of a server has spent per local day (server.budget_per_day), kept
    // across restarts and shared by the replicas of one database.
    name: 'm008_client_spending',
    sqlite: 'CREATE TABLE client_spending (client TEXT NOT NULL, day TEXT NOT NULL, usd REAL NOT NULL, PRIMARY KEY (client, day))',
    postgres: 'CREATE TABLE client_spending (client TEXT NOT NULL, day TEXT NOT NULL, usd DOUBLE PRECISION NOT NULL, PRIMARY KEY (client, day))',
  },
  {
    // The pending exchange files (pending-exchanges.ts) folded into the log, named in the same
    // transaction as their rows: a file whose removal after the commit did not happen is not
    // folded twice. A name stays only until its file is gone.
    name: 'm009_pending_files_folded',
    ...inBoth('CREATE TABLE pending_files_folded (name TEXT PRIMARY KEY NOT NULL)'),
  },
];

/** The schema version this code brings a database to. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** The database's `user_version`. */
export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Refuses a database at `version` whose recorded migration names are not this
 * aish's, or which a newer aish wrote (`STORE_INVALID`, nothing touched).
 * Shared by both backends.
 */
export function checkHistory(location: string, version: number, recorded: readonly string[]): void {
  if (version > SCHEMA_VERSION) {
    throw invalid(location, `written by a newer aish (schema version ${version}; this aish knows up to ${SCHEMA_VERSION}); upgrade aish to use it`);
  }
  MIGRATIONS.slice(0, version).forEach((migration, index) => {
    if (recorded[index] !== migration.name) {
      const found = recorded[index] === undefined ? 'missing' : `"${recorded[index]}"`;
      throw invalid(location, `unknown migration history: migration ${index + 1} is ${found}, expected "${migration.name}"`);
    }
  });
}

/** The names of the migrations a database at `version` still needs. */
export function pendingMigrations(version: number): string[] {
  return MIGRATIONS.slice(version).map((migration) => migration.name);
}

/** `NEEDS_MIGRATION` for a database at `version` that may not be migrated here (`--no-migrate`), naming the steps. */
export function needsMigration(location: string, version: number): StoreError {
  const steps = pendingMigrations(version);
  return new StoreError(
    'NEEDS_MIGRATION',
    `${location} needs migrating from schema version ${version} to ${SCHEMA_VERSION} (${steps.join(', ')}); run 'aish db migrate --db URL' first, or start without --no-migrate`,
    { file: location },
  );
}

/**
 * Whether the database is at this aish's version with this aish's migration
 * history, read in one statement (a snapshot of its own): the common case, so
 * a start asks one question instead of three. Anything else (older, newer,
 * another history, no `aish_migrations` table) is for {@link checkSchema}.
 */
export function atThisVersion(db: Database): boolean {
  let row: { version: number; names: string | null } | undefined;
  try {
    row = db
      .prepare<[], { version: number; names: string | null }>(
        `SELECT (SELECT user_version FROM pragma_user_version) AS version, (SELECT group_concat(name, char(10)) FROM (SELECT name FROM ${MIGRATION_TABLE} ORDER BY version)) AS names`,
      )
      .get();
  } catch {
    // No aish_migrations table (a new file, or not aish's): checkSchema says which.
    return false;
  }
  return row?.version === SCHEMA_VERSION && row.names === MIGRATIONS.map((migration) => migration.name).join('\n');
}

/**
 * Reads (never writes) the schema and returns its version, or throws
 * `STORE_INVALID` when the database is not one this code may migrate. Run it
 * inside a read transaction so the version and the tables are one snapshot.
 */
export function checkSchema(db: Database, file: string): number {
  const version = schemaVersion(db);
  const tables = db
    .prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    .pluck()
    .all();
  if (version === 0) {
    if (tables.length === 0) return 0;
    throw invalid(file, `not an aish database: it is a SQLite database with other tables (${listed(tables)}) and no aish schema version`);
  }
  if (!tables.includes(MIGRATION_TABLE)) {
    throw invalid(file, `not an aish database: it has schema version ${version} but no ${MIGRATION_TABLE} table`);
  }
  checkHistory(file, version, db.prepare<[], string>(`SELECT name FROM ${MIGRATION_TABLE} ORDER BY version`).pluck().all());
  return version;
}

/**
 * Applies the migrations after `from`, each in its own immediate transaction,
 * and returns the names of those it applied. Each one re-reads the version under
 * the write lock, so two processes opening a new database at once apply every
 * migration exactly once.
 */
export function migrate(db: Database, from: number): string[] {
  const applied: string[] = [];
  for (let version = from + 1; version <= SCHEMA_VERSION; version++) {
    const migration = MIGRATIONS[version - 1]!;
    db.transaction(() => {
      if (schemaVersion(db) >= version) return;
      db.exec(`CREATE TABLE IF NOT EXISTS ${MIGRATION_TABLE} (
        version INTEGER PRIMARY KEY NOT NULL,
        name TEXT NOT NULL UNIQUE,
        applied_at INTEGER NOT NULL
      )`);
      db.exec(migration.sqlite);
      db.prepare(`INSERT INTO ${MIGRATION_TABLE} (version, name, applied_at) VALUES (?, ?, ?)`).run(version, migration.name, Date.now());
      db.pragma(`user_version = ${version}`);
      applied.push(migration.name);
    }).immediate();
  }
  return applied;
}

/** At most five names, then how many more. */
export function listed(names: readonly string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}
