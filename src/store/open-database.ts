/**
 * Opening the database file: refuse anything that is not an aish database
 * before writing a byte to it, then switch on WAL and migrate forward. The
 * file holds every message and answer, so it (with its WAL and shared-memory
 * files) is readable by its owner only, and every connection is closed when
 * the process exits: closing the last one checkpoints the WAL into the main
 * file, so `aish.db` alone is a whole copy of the data.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { fileHead, SQLITE_HEADER } from './location.js';
import { atThisVersion, checkSchema, migrate, needsMigration, SCHEMA_VERSION } from './migrations.js';
import { noteSqliteOpened } from './pending-exchanges.js';
import { invalidStore, StoreError } from './store-error.js';

/** How long a connection waits for another one's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/** The database and its folder are the owner's alone: they hold every conversation. */
const PRIVATE_FILE = 0o600;
const PRIVATE_FOLDER = 0o700;

/** Connections still open in this process, closed (and so checkpointed) when it exits. */
const openConnections = new Set<Database.Database>();

/** How `openDatabase` treats an older schema. */
export interface MigrateOptions {
  /** False: refuse (`NEEDS_MIGRATION`, naming the steps) instead of migrating. */
  migrate?: boolean;
  /** Told the names of the migrations applied, if any. */
  applied?: (names: string[], from: number) => void;
}

/**
 * Opens (creating it and its folder when missing) and migrates the aish
 * database at `file`; `:memory:` gives a private in-memory database. Throws
 * `STORE_INVALID` naming the file when it cannot be used; such a file is
 * never reset or overwritten.
 */
export function openDatabase(file: string, options: MigrateOptions = {}): Database.Database {
  const inMemory = file === ':memory:';
  if (!inMemory) {
    makeFolder(file);
    checkHeader(file);
    makePrivate(file);
  }
  let db: Database.Database;
  try {
    const nativeBinding = addonFile();
    db = new Database(file, nativeBinding === undefined ? {} : { nativeBinding });
  } catch (error) {
    throw invalidStore(file, `cannot be opened: ${messageOf(error)}`, error);
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Read-only until the schema is known to be ours: switching to WAL alone rewrites the header.
    const version = atThisVersion(db) ? SCHEMA_VERSION : db.transaction(() => checkSchema(db, file))();
    if (options.migrate === false && version < SCHEMA_VERSION) throw needsMigration(file, version);
    switchToWal(db);
    // With WAL, NORMAL loses at most the last commits on power loss, never consistency.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const applied = migrate(db, version);
    options.applied?.(applied, version);
    remember(db);
    noteSqliteOpened();
    return db;
  } catch (error) {
    db.close();
    // A full disk is not a fault of the file: the caller reports it as such.
    if (error instanceof StoreError || ['SQLITE_FULL', 'SQLITE_IOERR_SHMSIZE'].includes((error as { code?: string }).code ?? '')) throw error;
    throw invalidStore(file, `cannot be used as a database: ${messageOf(error)}`, error);
  }
}

/**
 * Puts the database in WAL mode. SQLite answers a switch that meets another
 * connection's lock with SQLITE_BUSY at once, without the busy handler: two
 * processes opening a new database together (`aish serve --workers 2`, two
 * `aish -c` lines) would see one of them fail. So the switch is tried again,
 * a few milliseconds apart, for as long as any other lock would be waited for.
 */
function switchToWal(db: Database.Database): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      // Opening is synchronous; a short blocking sleep keeps it so.
      Atomics.wait(SLEEPER, 0, 0, pause);
    }
  }
}

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/**
 * better-sqlite3's native addon, found directly: its own lookup (the
 * `bindings` package) loads two more modules and probes a dozen paths, a
 * visible part of the time an `aish -c` line takes to log its exchange. In
 * ESM (the tests) there is no `require`, and better-sqlite3 looks for itself.
 */
function addonFile(): string | undefined {
  if (typeof require !== 'function') return undefined;
  // In the bundle (dist/<entry>/), the package root is two folders up; better-sqlite3 sits in
  // its node_modules, or beside it when aish is itself installed as a dependency. Checking
  // those two paths is cheaper than module resolution, which stays the fallback.
  const root = join(__dirname, '..', '..');
  for (const base of [join(root, 'node_modules', 'better-sqlite3'), join(root, '..', 'better-sqlite3')]) {
    const file = join(base, ADDON_PATH);
    if (existsSync(file)) return file;
  }
  try {
    const file = join(dirname(require.resolve('better-sqlite3/package.json')), ADDON_PATH);
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

const ADDON_PATH = join('build', 'Release', 'better_sqlite3.node');

/**
 * Closes every connection this process still has open; the last one to close
 * checkpoints the WAL into the database file and removes it. Runs by itself
 * when the process exits (a connection's close is synchronous).
 */
export function closeAllDatabases(): void {
  for (const db of openConnections) {
    try {
      db.close();
    } catch {
      // Closing is best effort on the way out: the WAL stays and is applied on the next open.
    }
  }
  openConnections.clear();
}

function remember(db: Database.Database): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', closeAllDatabases);
  }
  openConnections.add(db);
  // Wrap close so a connection closed by its owner is forgotten.
  const close = db.close.bind(db);
  db.close = () => {
    openConnections.delete(db);
    return close();
  };
}

let exitHookInstalled = false;

function makeFolder(file: string): void {
  try {
    // The mode applies to the folders created here; an existing folder is left as its owner set it.
    mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_FOLDER });
  } catch (error) {
    throw invalidStore(file, `cannot create its folder: ${messageOf(error)}`, error);
  }
}

/**
 * Creates the file 0600 before SQLite does (SQLite gives the WAL and
 * shared-memory files the database's mode), and takes away group and other
 * access from an existing one aish owns.
 */
function makePrivate(file: string): void {
  try {
    closeSync(openSync(file, 'a', PRIVATE_FILE));
    for (const path of [file, `${file}-wal`, `${file}-shm`]) {
      const stat = statOrUndefined(path);
      if (stat && (stat.mode & 0o077) !== 0 && stat.uid === process.getuid?.()) chmodSync(path, stat.mode & 0o700);
    }
  } catch (error) {
    // A read-only file or folder is reported by SQLite itself, with what it can and cannot do.
    if ((error as NodeJS.ErrnoException).code !== 'EACCES' && (error as NodeJS.ErrnoException).code !== 'EROFS') {
      throw invalidStore(file, `cannot be created: ${messageOf(error)}`, error);
    }
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Refuses a non-empty file that is not SQLite without letting SQLite near it. */
function checkHeader(file: string): void {
  let head: Buffer;
  try {
    head = fileHead(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw invalidStore(file, `cannot be read: ${messageOf(error)}`, error);
  }
  if (head.length > 0 && !head.equals(SQLITE_HEADER.subarray(0, head.length))) {
    throw invalidStore(file, 'not an aish database: it is not a SQLite file');
  }
  if (head.length > 0 && head.length < SQLITE_HEADER.length) {
    throw invalidStore(file, 'not an aish database: it is too short to be a SQLite file');
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
