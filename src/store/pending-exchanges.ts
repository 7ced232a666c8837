/**
 * Pending exchanges: how an `aish -c` line logs its exchanges without
 * opening SQLite. Loading the native addon, opening the database, writing
 * and checkpointing its WAL cost about a fifth of such a line's start-up;
 * writing a small file costs almost nothing. So a process that has not
 * opened the database writes its finished exchanges as one JSON file in the
 * database's pending folder (`aish.db-pending/`, beside the file and
 * private like it), and whoever next reads the log (`history`, `!N`, the
 * cache, budgets, `aish cache`) folds the folder into the database first,
 * in order. See `SqliteExchangeLog` for the fold.
 *
 * A file appears whole or not at all (written under a dot name, then
 * renamed), and is folded exactly once: its name is recorded in the same
 * transaction as its rows, and the file removed after the commit.
 *
 * Imports no SQLite, so the shell can use it without loading the addon.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NewLoggedExchange } from './exchange-log.js';
import { fileHead, isPostgresUrl, SQLITE_HEADER } from './location.js';

/** The folder of pending exchanges of the database at `file`. */
export function pendingFolder(file: string): string {
  return `${file}-pending`;
}

/** How many pending files a writer leaves before it folds them itself: the folder stays small when nobody reads the log. */
export const FOLD_AT_PENDING_FILES = 64;

/** Whether this process has opened a SQLite database: writing to it directly is then cheaper than a pending file. */
let sqliteOpened = false;

/** Told by the store when it opens a SQLite database. */
export function noteSqliteOpened(): void {
  sqliteOpened = true;
}

/**
 * Whether exchanges for the database at `file` may be written as a pending
 * file: it is a SQLite file that exists and starts as one (a missing file is
 * created by a direct write; a file aish refuses is reported by one), and
 * this process has not opened SQLite anyway.
 */
export function canWritePending(file: string): boolean {
  if (sqliteOpened || file === ':memory:' || isPostgresUrl(file)) return false;
  try {
    return fileHead(file).equals(SQLITE_HEADER);
  } catch {
    return false;
  }
}

/** Files written by this process so far: part of each name, so one process's files fold in the order it wrote them. */
let written = 0;

/**
 * Writes `exchanges` as one pending file of the database at `file`, whole
 * or not at all; returns how many pending files the folder now holds.
 * Throws when the folder or the file cannot be written.
 */
export function writePendingExchanges(file: string, exchanges: readonly NewLoggedExchange[]): number {
  const folder = pendingFolder(file);
  // Private, as the database is; its own folder exists (the database is in it). Looked for first:
  // a thrown EEXIST would be the one error a start throws, and the first costs most of a millisecond.
  if (statSync(folder, { throwIfNoEntry: false }) === undefined) {
    try {
      mkdirSync(folder, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  // Names sort by time, then process, then order within the process: the order they fold in.
  const name = `${String(Date.now()).padStart(15, '0')}-${process.pid}-${String(written++).padStart(6, '0')}.json`;
  const partial = join(folder, `.${name}`);
  try {
    writeFileSync(partial, JSON.stringify(exchanges), { mode: 0o600, flag: 'wx' });
    renameSync(partial, join(folder, name));
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  return pendingFileNames(folder).length;
}

/** The names of the whole pending files in `folder`, oldest first; none when there is no folder. */
export function pendingFileNames(folder: string): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names.filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort();
}

/** The exchanges of pending file `name` in `folder`; undefined when it is gone (folded by another process). */
export function readPendingFile(folder: string, name: string): NewLoggedExchange[] | undefined {
  let text: string;
  try {
    text = readFileSync(join(folder, name), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const exchanges = JSON.parse(text) as unknown;
  if (!Array.isArray(exchanges)) throw new SyntaxError('not a list of exchanges');
  return exchanges as NewLoggedExchange[];
}

/** Moves a pending file that cannot be read as exchanges out of the way (`NAME.unreadable`), kept for its owner to look at. */
export function setAsideUnreadable(folder: string, name: string): void {
  try {
    renameSync(join(folder, name), join(folder, `${name}.unreadable`));
  } catch {
    // Gone already, or the folder is read-only: the next fold tries again.
  }
}

/** Removes folded pending file `name`; true when it is gone. */
export function removePendingFile(folder: string, name: string): boolean {
  try {
    rmSync(join(folder, name), { force: true });
    return true;
  } catch {
    return false;
  }
}
