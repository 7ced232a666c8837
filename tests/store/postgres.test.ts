import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/test-engines.mjs';
import { migrateStore, MIGRATIONS, openStore, SCHEMA_VERSION, StoreError } from '../../src/store/index.js';
import { hasPostgres } from '../support/engines.js';
import { createSession, exchange, expectStoreError, openStore as openForTest, STORE_BACKENDS } from './temp-store.js';

const postgres = STORE_BACKENDS.find((backend) => backend.name === 'PostgreSQL')!;

async function migrationNames(location: string): Promise<string[]> {
  return (await postgres.query(location, 'SELECT name FROM aish_migrations ORDER BY version')).map((row) => row.name as string);
}

describe.skipIf(!hasPostgres)('migrating a PostgreSQL database', () => {
  it('creates the whole schema in an empty database, recording every named step', async () => {
    const location = await postgres.newLocation();
    await openForTest(postgres, location);
    expect(await migrationNames(location)).toEqual(MIGRATIONS.map((migration) => migration.name));
    const tables = await postgres.query(location, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
    expect(tables.map((row) => row.table_name)).toEqual(expect.arrayContaining(['aish_migrations', 'capability_stats', 'exchanges', 'messages', 'session_locks', 'sessions']));
  });

  it('migrates once when several processes open a new database at the same moment; the others wait for it', async () => {
    const location = await postgres.newLocation();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(location, { poolSize: 2 })));
    try {
      expect(await migrationNames(location)).toEqual(MIGRATIONS.map((migration) => migration.name));
      await createSession(stores[3]!, 's1');
      expect((await stores[0]!.findSession('s1'))?.id).toBe('s1');
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('aish db migrate: brings an older database forward, naming the steps, then has nothing to do', async () => {
    const location = await postgres.newLocation();
    await postgres.query(location, 'CREATE TABLE aish_migrations (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL UNIQUE, applied_at BIGINT NOT NULL)');
    await postgres.query(location, MIGRATIONS[0]!.postgres);
    await postgres.query(location, `INSERT INTO aish_migrations VALUES (1, '${MIGRATIONS[0]!.name}', 0)`);
    expect(await migrateStore(location)).toEqual({ from: 1, to: SCHEMA_VERSION, applied: MIGRATIONS.slice(1).map((migration) => migration.name) });
    expect(await migrateStore(location)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
  });

  it('numbers the messages of a session stored before m007_session_last_seq on from its last one', async () => {
    const location = await postgres.newLocation();
    await postgres.query(location, 'CREATE TABLE aish_migrations (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL UNIQUE, applied_at BIGINT NOT NULL)');
    const before = MIGRATIONS.findIndex((migration) => migration.name === 'm007_session_last_seq');
    for (const [index, migration] of MIGRATIONS.slice(0, before).entries()) {
      await postgres.query(location, migration.postgres);
      await postgres.query(location, `INSERT INTO aish_migrations VALUES (${index + 1}, '${migration.name}', 0)`);
    }
    await postgres.query(location, "INSERT INTO sessions (id, specialist_id, context_window, ttl_s, created_at, last_activity, expires_at) VALUES ('s1', 'apollo', 10, 60, 1, 1, 60001)");
    await postgres.query(location, "INSERT INTO messages (session_id, seq, role, content, timestamp) VALUES ('s1', 1, 'user', 'q0', 1), ('s1', 2, 'assistant', 'a0', 1)");
    const store = await openForTest(postgres, location);
    expect(await store.appendExchange('s1', exchange(1))).toEqual({ message_count: 4 });
    expect((await store.messages('s1')).map((message) => message.content)).toEqual(['q0', 'a0', 'q1', 'a1']);
  });

  it('refuses to migrate when told not to (--no-migrate), naming the steps, and changes nothing', async () => {
    const location = await postgres.newLocation();
    const error = await expectStoreError(() => openStore(location, { migrate: false }), 'NEEDS_MIGRATION', /needs migrating from schema version 0/);
    for (const migration of MIGRATIONS) expect(error.message).toContain(migration.name);
    expect(await postgres.query(location, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")).toEqual([]);
    await (await openStore(location)).close();
    await (await openStore(location, { migrate: false })).close();
  });

  it('refuses a database written by a newer aish and leaves it untouched', async () => {
    const location = await postgres.newLocation();
    await openForTest(postgres, location);
    await postgres.query(location, `INSERT INTO aish_migrations VALUES (${SCHEMA_VERSION + 1}, 'm999_from_the_future', 0)`);
    await expectStoreError(() => openStore(location), 'STORE_INVALID', new RegExp(`written by a newer aish \\(schema version ${SCHEMA_VERSION + 1}; this aish knows up to ${SCHEMA_VERSION}\\).*left unchanged`));
    await expectStoreError(() => migrateStore(location), 'STORE_INVALID', /written by a newer aish/);
    expect(await migrationNames(location)).toEqual([...MIGRATIONS.map((migration) => migration.name), 'm999_from_the_future']);
  });

  it('refuses a database with other tables and no aish migration record', async () => {
    const location = await postgres.newLocation();
    await postgres.query(location, 'CREATE TABLE invoices (id INTEGER)');
    await expectStoreError(() => openStore(location), 'STORE_INVALID', /not an aish database: it has other tables \(invoices\) and no aish_migrations table/);
    expect(await postgres.query(location, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")).toEqual([{ table_name: 'invoices' }]);
  });

  it('names the database without its password', async () => {
    const location = new URL(await postgres.newLocation());
    location.password = 'secret';
    const store = await openStore(location.toString());
    try {
      expect(store.location).not.toContain('secret');
      expect(store.location).toContain('***');
    } finally {
      await store.close();
    }
  });
});

describe.skipIf(!hasPostgres)('the PostgreSQL pool', () => {
  it('opens at most poolSize connections, however many calls run at once', async () => {
    const location = await postgres.newLocation();
    const store = await openStore(location, { poolSize: 2 });
    try {
      await createSession(store, 's1');
      await Promise.all(Array.from({ length: 20 }, (_, n) => store.appendExchange('s1', exchange(n))));
      const database = new URL(location).pathname.slice(1);
      const connections = await postgres.query(location, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = '${database}' AND application_name = 'aish'`);
      expect(connections[0]!.n).toBeLessThanOrEqual(2);
      expect((await store.messages('s1')).length).toBe(40);
    } finally {
      await Promise.all([store.close(), store.close()]);
    }
  });
});

describe('a PostgreSQL server that cannot be reached', () => {
  it('is refused at once with STORE_UNAVAILABLE naming the database', async () => {
    const url = `postgres://aish:secret@127.0.0.1:${await freePort()}/nothing`;
    const error = await expectStoreError(() => openStore(url), 'STORE_UNAVAILABLE', /the database postgres:\/\/aish:\*\*\*@127\.0\.0\.1:\d+\/nothing is unavailable/);
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).not.toContain('secret');
  });
});
