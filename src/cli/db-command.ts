/**
 * `aish db migrate [--db FILE|URL]`: brings the database to this aish's schema
 * on its own, for deploys that migrate before starting (or restarting) servers
 * with `--no-migrate`. The database is `--db`, else AISH_DB, else the config's
 * `server.db`, else the default SQLite file, as `aish serve` chooses it.
 */
import type { MigrationReport } from '../store/index.js';

export const DB_USAGE = 'usage: aish db migrate [--db FILE|URL]   apply the schema migrations this aish knows (SQLite file or postgres:// URL)';

export interface DbCommandIo {
  err(text: string): void;
  /** Where the database is when `--db` is not given. */
  defaultLocation(): Promise<string>;
  migrate(location: string): Promise<MigrationReport>;
}

/** Runs `db VERB ARGS`; returns the exit status (1: refused or misused, 2: the database server is unavailable). */
export async function runDbCommand(args: readonly string[], io: DbCommandIo): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === undefined || verb === 'help' || verb === '--help' || verb === '-h') {
    io.err(DB_USAGE + '\n');
    return verb === undefined ? 1 : 0;
  }
  if (verb !== 'migrate') return usageError(io, `db: unknown command '${verb}' (migrate)`);
  let location: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const inline = arg.startsWith('--db=') ? arg.slice('--db='.length) : undefined;
    if (arg !== '--db' && inline === undefined) return usageError(io, `db migrate: unknown argument '${arg}'`);
    location = inline ?? rest[++i];
    if (!location) return usageError(io, 'db migrate: --db needs a SQLite file or a postgres:// URL');
  }
  location ??= await io.defaultLocation();
  try {
    const report = await io.migrate(location);
    const where = redacted(location);
    if (report.applied.length === 0) io.err(`aish: db: ${where} is up to date (schema version ${report.to})\n`);
    else io.err(`aish: db: migrated ${where} from schema version ${report.from} to ${report.to}: ${report.applied.join(', ')}\n`);
    return 0;
  } catch (error) {
    io.err(`aish: db: ${(error as Error).message}\n`);
    return (error as { code?: string }).code === 'STORE_UNAVAILABLE' ? 2 : 1;
  }
}

function usageError(io: DbCommandIo, message: string): number {
  io.err(`aish: ${message}\n${DB_USAGE}\n`);
  return 1;
}

/** A URL without its password (a file path as it is). */
function redacted(location: string): string {
  try {
    const url = new URL(location);
    if (!url.password) return location;
    url.password = '***';
    return url.toString();
  } catch {
    return location;
  }
}
