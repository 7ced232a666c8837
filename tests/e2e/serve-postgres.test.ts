/** `aish serve --db postgres://…`, `aish db migrate` and `--no-migrate`, against a real PostgreSQL. */
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/index.js';
import { STORE_BACKENDS } from '../store/temp-store.js';
import { runAish, startServe, tempHome } from '../support/aish.js';
import { freshPostgresDatabase, hasPostgres } from '../support/engines.js';

const postgres = STORE_BACKENDS.find((backend) => backend.name === 'PostgreSQL')!;
const sql = (url: string, text: string) => postgres.query(url, text);

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

const STEPS = MIGRATIONS.map((migration) => migration.name);

describe.skipIf(!hasPostgres)('aish serve on PostgreSQL', () => {
  it('keeps sessions in the database given by --db: a session and its exchange are rows there, and /health says db ok', { timeout: 60_000 }, async () => {
    const db = await freshPostgresDatabase();
    const server = await startServe(tempHome(), { AISH_DB: db });
    try {
      const created = await json(await fetch(`${server.url}/api/v2/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ specialist_id: 'apollo', name: 'team' }) }));
      const reply = await fetch(`${server.url}/api/v2/sessions/team/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'hello'}) });
      expect(reply.status).toBe(200);
      expect(await sql(db, 'SELECT role, content FROM messages ORDER BY seq')).toEqual([
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: expect.stringContaining('hello') },
      ]);
      expect((await sql(db, 'SELECT id FROM sessions'))[0]?.id).toBe(created.id);
      expect(await json(await fetch(`${server.url}/health`))).toMatchObject({ status: 'ok', db: 'ok' });
    } finally {
      await server.stop();
    }
  });

  it('--no-migrate refuses a database that needs migrating, naming the steps; aish db migrate applies them; then it starts', { timeout: 60_000 }, async () => {
    const db = await freshPostgresDatabase();
    const refused = await runAish(['serve', '--port', '0', '--no-migrate', '--db', db]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`needs migrating from schema version 0 to ${SCHEMA_VERSION} (${STEPS.join(', ')})`);
    expect(await sql(db, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")).toEqual([]);

    const migrated = await runAish(['db', 'migrate', '--db', db]);
    expect(migrated.status).toBe(0);
    expect(migrated.stderr).toBe(`aish: db: migrated ${db} from schema version 0 to ${SCHEMA_VERSION}: ${STEPS.join(', ')}\n`);
    const again = await runAish(['db', 'migrate', '--db', db]);
    expect(again.stderr).toBe(`aish: db: ${db} is up to date (schema version ${SCHEMA_VERSION})\n`);

    const server = await startServe(tempHome(), { AISH_DB: db });
    await server.stop();
  });

  it('refuses a database written by a newer aish, at start and in aish db migrate, and leaves it as it was', { timeout: 60_000 }, async () => {
    const db = await freshPostgresDatabase();
    expect((await runAish(['db', 'migrate', '--db', db])).status).toBe(0);
    await sql(db, `INSERT INTO aish_migrations VALUES (${SCHEMA_VERSION + 1}, 'm999_later', 0)`);
    const serve = await runAish(['serve', '--port', '0', '--db', db]);
    expect(serve.status).toBe(1);
    expect(serve.stderr).toContain(`written by a newer aish (schema version ${SCHEMA_VERSION + 1}; this aish knows up to ${SCHEMA_VERSION})`);
    const migrate = await runAish(['db', 'migrate', '--db', db]);
    expect(migrate.status).toBe(1);
    expect(migrate.stderr).toContain('written by a newer aish');
    expect((await sql(db, 'SELECT name FROM aish_migrations ORDER BY version')).map((row) => row.name)).toEqual([...STEPS, 'm999_later']);
  });

  it('AISH_DB=postgres://… keeps the command line’s log and sessions in PostgreSQL too', { timeout: 60_000 }, async () => {
    const db = await freshPostgresDatabase();
    const env = { AISH_DB: db };
    expect((await runAish(['-c', 'echo hello there | apollo'], { env })).status).toBe(0);
    expect((await runAish(['chat', 'apollo', '--session', 'notes'], { env, stdin: 'remember this\n' })).status).toBe(0);
    expect((await runAish(['history'], { env })).stdout).toContain('hello there');
    expect(await sql(db, 'SELECT role, content FROM messages ORDER BY seq')).toEqual([
      { role: 'user', content: 'remember this' },
      { role: 'assistant', content: '[apollo] remember this' },
    ]);
  });

  it('a server that cannot be reached stops aish serve at start with one line, and aish db migrate with status 2', { timeout: 60_000 }, async () => {
    const db = 'postgres://aish:secret@127.0.0.1:9/none';
    const serve = await runAish(['serve', '--port', '0', '--db', db]);
    expect(serve.status).toBe(1);
    expect(serve.stderr).toMatch(/aish: serve: the database postgres:\/\/aish:\*\*\*@127\.0\.0\.1:9\/none is unavailable/);
    const migrate = await runAish(['db', 'migrate', '--db', db]);
    expect(migrate.status).toBe(2);
    expect(migrate.stderr).not.toContain('secret');
  });
});
