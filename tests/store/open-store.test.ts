import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, SqliteStore, StoreError } from '../../src/store/index.js';
import { createSession, exchange, openStore as openOn, rawConnection, STORE_BACKENDS, tempFolder } from './temp-store.js';

const sqlite = STORE_BACKENDS.find((backend) => backend.name === 'SQLite')!;
const openStore = (file: string) => openOn(sqlite, file);

/** Opening `file` fails with STORE_INVALID; returns the error. */
function refusal(file: string): StoreError {
  try {
    SqliteStore.open(file).connection.close();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error(`${file} was opened`);
}

/** Asserts that opening `file` is refused with `reason` and leaves the folder byte-for-byte as it was. */
function expectRefusedUntouched(file: string, reason: RegExp): void {
  const folder = join(file, '..');
  const bytes = readFileSync(file);
  const listing = readdirSync(folder);
  const error = refusal(file);
  expect(error.code).toBe('STORE_INVALID');
  expect(error.file).toBe(file);
  expect(error.message).toContain(file);
  expect(error.message).toMatch(reason);
  expect(readFileSync(file).equals(bytes)).toBe(true);
  expect(readdirSync(folder)).toEqual(listing);
}

describe('opening a SQLite database', () => {
  it('creates the folder, the file and the whole schema from nothing', async () => {
    const file = join(tempFolder(), 'deep', 'er', 'aish.db');
    await (await openStore(file)).close();
    expect(existsSync(file)).toBe(true);
    const db = rawConnection(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT version, name FROM aish_migrations ORDER BY version').all()).toEqual(
      MIGRATIONS.map((migration, index) => ({ version: index + 1, name: migration.name })),
    );
    const names = db.prepare("SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite%' ORDER BY name").pluck().all();
    expect(names).toEqual(expect.arrayContaining(['aish_migrations', 'messages', 'messages_session_seq', 'sessions']));
    db.close();
  });

  it('keeps sessions and messages when reopened, without applying migrations again', async () => {
    const file = join(tempFolder(), 'aish.db');
    const first = await openStore(file);
    await createSession(first, 's1', { name: 'project' });
    await first.appendExchange('s1', exchange(1));
    await first.close();
    const second = await openStore(file);
    expect((await second.findSession('project'))?.id).toBe('s1');
    expect((await second.messages('s1')).map((message) => message.content)).toEqual(['q1', 'a1']);
    await second.close();
    const db = rawConnection(file);
    expect(db.prepare('SELECT count(*) FROM aish_migrations').pluck().get()).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('numbers the messages of a session stored before m007_session_last_seq on from its last one', async () => {
    const file = join(tempFolder(), 'aish.db');
    const db = rawConnection(file);
    const before = MIGRATIONS.findIndex((migration) => migration.name === 'm007_session_last_seq');
    db.exec('CREATE TABLE aish_migrations (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL UNIQUE, applied_at INTEGER NOT NULL)');
    MIGRATIONS.slice(0, before).forEach((migration, index) => {
      db.exec(migration.sqlite);
      db.prepare('INSERT INTO aish_migrations VALUES (?, ?, 0)').run(index + 1, migration.name);
    });
    db.pragma(`user_version = ${before}`);
    db.exec("INSERT INTO sessions (id, specialist_id, context_window, ttl_s, created_at, last_activity, expires_at) VALUES ('s1', 'apollo', 10, 60, 1, 1, 60001)");
    db.exec("INSERT INTO messages (session_id, seq, role, content, timestamp) VALUES ('s1', 1, 'user', 'q0', 1), ('s1', 2, 'assistant', 'a0', 1)");
    db.close();
    const store = await openStore(file);
    expect(await store.appendExchange('s1', exchange(1))).toEqual({ message_count: 4 });
    expect((await store.messages('s1')).map((message) => message.content)).toEqual(['q0', 'a0', 'q1', 'a1']);
  });

  it('puts the database in WAL mode', async () => {
    const file = join(tempFolder(), 'aish.db');
    await openStore(file);
    const db = rawConnection(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('treats an empty file as a new database', async () => {
    const file = join(tempFolder(), 'aish.db');
    writeFileSync(file, '');
    await createSession(await openStore(file), 's1');
  });

  it('opens a private database for :memory:', async () => {
    const store = await openStore(':memory:');
    await createSession(store, 's1');
    expect((await store.findSession('s1'))?.id).toBe('s1');
  });
});

describe('refusing a SQLite database that is not aish’s', () => {
  it('refuses a SQLite database with other tables and leaves it unchanged', () => {
    const file = join(tempFolder(), 'notes.db');
    const db = rawConnection(file);
    db.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')");
    db.close();
    expectRefusedUntouched(file, /not an aish database: it is a SQLite database with other tables \(notes\)/);
  });

  it('refuses a file of random bytes and leaves it unchanged', () => {
    const file = join(tempFolder(), 'aish.db');
    writeFileSync(file, randomBytes(8192));
    expectRefusedUntouched(file, /not a SQLite file/);
  });

  it('refuses a short text file and leaves it unchanged', () => {
    const file = join(tempFolder(), 'aish.db');
    writeFileSync(file, 'hello\n');
    expectRefusedUntouched(file, /not a SQLite file/);
  });

  it('refuses a database written by a newer aish and leaves it unchanged', async () => {
    const file = join(tempFolder(), 'aish.db');
    await createSession(await openStore(file), 's1');
    const db = rawConnection(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expectRefusedUntouched(file, new RegExp(`written by a newer aish \\(schema version ${SCHEMA_VERSION + 1}; this aish knows up to ${SCHEMA_VERSION}\\)`));
  });

  it('refuses a database with a schema version but no aish migration record', () => {
    const file = join(tempFolder(), 'other.db');
    const db = rawConnection(file);
    db.exec('CREATE TABLE sessions (id TEXT)');
    db.pragma('user_version = 1');
    db.close();
    expectRefusedUntouched(file, /not an aish database: it has schema version 1 but no aish_migrations table/);
  });

  it('refuses a database whose migration history differs from this aish’s', async () => {
    const file = join(tempFolder(), 'aish.db');
    await (await openStore(file)).close();
    const db = rawConnection(file);
    db.prepare('UPDATE aish_migrations SET name = ? WHERE version = 1').run('m001_something_else');
    db.close();
    expectRefusedUntouched(file, /unknown migration history: migration 1 is "m001_something_else", expected "m001_sessions"/);
  });

  it('refuses a folder where the file should be', () => {
    const folder = tempFolder();
    const error = refusal(folder);
    expect(error.code).toBe('STORE_INVALID');
    expect(error.message).toContain(folder);
  });
});
