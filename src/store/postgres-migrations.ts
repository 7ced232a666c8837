/**
 * The named migrations on PostgreSQL. The version is the number of steps
 * recorded in `aish_migrations` (in the connection's current schema). Migrating
 * happens under an advisory lock: of several replicas starting at once, one
 * migrates and the others wait for it, then find the schema current.
 */
import type pg from 'pg';
import { checkHistory, listed, MIGRATION_TABLE, MIGRATIONS, needsMigration, SCHEMA_VERSION } from './migrations.js';
import type { MigrateOptions } from './open-database.js';
import { invalidStore } from './store-error.js';

/** The advisory lock key migrations hold ('aish' in ASCII): one migrating process per database. */
const MIGRATION_LOCK = 0x61697368;

/**
 * Checks the schema of the database behind `pool` and brings it to this aish's
 * version (unless `options.migrate` is false: then an older schema is refused
 * with `NEEDS_MIGRATION`). A database that is not aish's, or that a newer aish
 * wrote, is refused with `STORE_INVALID` and left untouched.
 */
export async function preparePostgres(pool: pg.Pool, location: string, options: MigrateOptions = {}): Promise<void> {
  const client = await pool.connect();
  try {
    const version = await schemaVersion(client, location);
    if (version === SCHEMA_VERSION) return;
    if (options.migrate === false) throw needsMigration(location, version);
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      // Another process may have migrated while this one waited for the lock.
      const from = await schemaVersion(client, location);
      const applied: string[] = [];
      for (let next = from + 1; next <= SCHEMA_VERSION; next++) {
        const migration = MIGRATIONS[next - 1]!;
        await client.query('BEGIN');
        try {
          await client.query(`CREATE TABLE IF NOT EXISTS ${MIGRATION_TABLE} (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL UNIQUE, applied_at BIGINT NOT NULL)`);
          await client.query(migration.postgres);
          await client.query(`INSERT INTO ${MIGRATION_TABLE} (version, name, applied_at) VALUES ($1, $2, $3)`, [next, migration.name, Date.now()]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        applied.push(migration.name);
      }
      options.applied?.(applied, from);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

/** The schema version, after refusing a database that is not aish's or that a newer aish wrote. */
async function schemaVersion(client: pg.PoolClient, location: string): Promise<number> {
  const tables = (
    await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
    )
  ).rows.map((row) => row.name);
  if (!tables.includes(MIGRATION_TABLE)) {
    if (tables.length === 0) return 0;
    throw invalidStore(location, `not an aish database: it has other tables (${listed(tables)}) and no ${MIGRATION_TABLE} table`);
  }
  const recorded = (await client.query<{ version: number; name: string }>(`SELECT version, name FROM ${MIGRATION_TABLE} ORDER BY version`)).rows;
  const version = recorded.length === 0 ? 0 : recorded[recorded.length - 1]!.version;
  checkHistory(location, version, recorded.map((row) => row.name));
  return version;
}
