/**
 * The database schema as an ordered, append-only list of named migrations
 * (after simonw/llm's `migrations.py`). Migration N brings `PRAGMA user_version`
 * to N, and each one is recorded by name in `aish_migrations`, in the same
 * transaction as its changes: a database is always at a whole version.
 *
 * To change the schema, append a migration; never edit or reorder one that has
 * shipped. Names are `mNNN_what_it_does`.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { invalidStore as invalid } from './store-error.js';

type Database = BetterSqlite3.Database;

/** One step of the schema's history. `up` runs inside a transaction and must not open its own. */
export interface Migration {
  name: string;
  up(db: Database): void;
}

/** The table recording which migrations a database has had, by version and name. */
export const MIGRATION_TABLE = 'aish_migrations';

/** Every migration, oldest first. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'm001_sessions',
    up(db) {
      db.exec(`
        CREATE TABLE sessions (
          id TEXT PRIMARY KEY NOT NULL,
          name TEXT UNIQUE,
          specialist_id TEXT NOT NULL,
          context_window INTEGER NOT NULL,
          ttl_s INTEGER NOT NULL,
          metadata TEXT NOT NULL DEFAULT '{}',
          created_at INTEGER NOT NULL,
          last_activity INTEGER NOT NULL,
          expires_at INTEGER NOT NULL
        );
        CREATE TABLE messages (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
          seq INTEGER NOT NULL,
          role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
          content TEXT NOT NULL,
          timestamp INTEGER NOT NULL,
          tokens_input INTEGER,
          tokens_output INTEGER,
          specialist_id TEXT
        );
        -- Unique, so two writers that somehow computed the same seq fail loudly instead of interleaving.
        CREATE UNIQUE INDEX messages_session_seq ON messages (session_id, seq);
      `);
    },
  },
  {
    // Measured performance per specialist and capability, for @capability routing.
    name: 'm002_capability_stats',
    up(db) {
      db.exec(`
        CREATE TABLE capability_stats (
          specialist_id TEXT NOT NULL,
          capability TEXT NOT NULL,
          requests INTEGER NOT NULL,
          successes INTEGER NOT NULL,
          total_ms INTEGER NOT NULL,
          PRIMARY KEY (specialist_id, capability)
        );
      `);
    },
  },
  {
    // The local log of AI exchanges (`aish history`), searchable by words through FTS5.
    name: 'm003_exchange_log',
    up(db) {
      db.exec(`
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
      `);
    },
  },
  {
    // Who is answering in a session right now, across every process sharing the file: one row
    // per session while an answer is under way, until `expires_at` unless the holder renews it.
    name: 'm004_session_locks',
    up(db) {
      db.exec(`
        CREATE TABLE session_locks (
          session_id TEXT PRIMARY KEY NOT NULL,
          holder TEXT NOT NULL,
          expires_at INTEGER NOT NULL
        );
      `);
    },
  },
  {
    // The cache lives in the exchange log: a successful exchange's request key
    // answers the same request again, and a replayed exchange names its original.
    name: 'm005_exchange_cache',
    up(db) {
      db.exec(`
        ALTER TABLE exchanges ADD COLUMN cache_key TEXT;
        ALTER TABLE exchanges ADD COLUMN cached_from INTEGER;
        CREATE INDEX exchanges_cache_key ON exchanges (cache_key, id) WHERE cache_key IS NOT NULL;
        CREATE INDEX exchanges_cached_from ON exchanges (started_at) WHERE cached_from IS NOT NULL;
      `);
    },
  },
  {
    // The tool calls a specialist made during an exchange, as a JSON array
    // (name, arguments, status, bytes, duration_ms each); null when it made none.
    name: 'm006_exchange_tool_calls',
    up(db) {
      db.exec('ALTER TABLE exchanges ADD COLUMN tool_calls TEXT');
    },
  },
];

/** The schema version this code brings a database to. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** The database's `user_version`. */
export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
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
  if (version > SCHEMA_VERSION) {
    throw invalid(file, `written by a newer aish (schema version ${version}; this aish knows up to ${SCHEMA_VERSION}); upgrade aish to use it`);
  }
  const recorded = db.prepare<[], string>(`SELECT name FROM ${MIGRATION_TABLE} ORDER BY version`).pluck().all();
  MIGRATIONS.slice(0, version).forEach((migration, index) => {
    if (recorded[index] !== migration.name) {
      const found = recorded[index] === undefined ? 'missing' : `"${recorded[index]}"`;
      throw invalid(file, `unknown migration history: migration ${index + 1} is ${found}, expected "${migration.name}"`);
    }
  });
  return version;
}

/**
 * Applies the migrations after `from`, each in its own immediate transaction.
 * Each one re-reads the version under the write lock, so two processes opening
 * a new database at once apply every migration exactly once.
 */
export function migrate(db: Database, from: number): void {
  for (let version = from + 1; version <= SCHEMA_VERSION; version++) {
    const migration = MIGRATIONS[version - 1]!;
    db.transaction(() => {
      if (schemaVersion(db) >= version) return;
      db.exec(`CREATE TABLE IF NOT EXISTS ${MIGRATION_TABLE} (
        version INTEGER PRIMARY KEY NOT NULL,
        name TEXT NOT NULL UNIQUE,
        applied_at INTEGER NOT NULL
      )`);
      migration.up(db);
      db.prepare(`INSERT INTO ${MIGRATION_TABLE} (version, name, applied_at) VALUES (?, ?, ?)`).run(version, migration.name, Date.now());
      db.pragma(`user_version = ${version}`);
    }).immediate();
  }
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}
