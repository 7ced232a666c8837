/**
 * What a database location is, told without loading a driver: a PostgreSQL URL, or a file
 * and whether it starts as SQLite. Used where the store opens a database and by the shell's
 * pending exchanges, which must not load SQLite.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** Whether `location` names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Every SQLite 3 database file starts with these 16 bytes. */
export const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** The first bytes of `file`, as many as a SQLite header has (fewer for a shorter file). Throws as opening or reading it does. */
export function fileHead(file: string): Buffer {
  const descriptor = openSync(file, 'r');
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    return head.subarray(0, readSync(descriptor, head, 0, head.length, 0));
  } finally {
    closeSync(descriptor);
  }
}
