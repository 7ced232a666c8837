/**
 * "The session this terminal used last", for `-C`: one record per terminal,
 * shared by pipes, one-off `aish -c` lines and the REPL, kept in a small JSON
 * file beside the database. A terminal is the TTY behind stderr, stdout or
 * stdin; without one (scripts, CI) it is the parent process. `AISH_SESSION`
 * names the current session outright (docs/cli.md "Sessions").
 */
import { mkdirSync, readFileSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

interface Entry {
  id: string;
  at: number;
}

/** Records older than this are forgotten (terminals come and go). */
const FORGET_AFTER_MS = 30 * 24 * 3600 * 1000;

export function terminalKey(): string {
  for (const fd of [2, 1, 0]) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith('/dev/pts/') || target.startsWith('/dev/tty')) return target;
    } catch {
      // not on Linux, or no such descriptor
    }
  }
  return `ppid:${process.ppid}`;
}

export class CurrentSessions {
  private readonly key = terminalKey();

  constructor(private readonly file: string) {}

  private read(): Record<string, Entry> {
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      return typeof data === 'object' && data !== null ? (data as Record<string, Entry>) : {};
    } catch {
      return {};
    }
  }

  /** `AISH_SESSION` names the current session outright; else the one this terminal used last. */
  get(): string | undefined {
    const named = process.env.AISH_SESSION;
    if (named) return named;
    return this.read()[this.key]?.id;
  }

  /** Written to a temporary file and renamed, so a reader never sees half a file. */
  set(id: string): void {
    const now = Date.now();
    const entries = Object.fromEntries(Object.entries(this.read()).filter(([, entry]) => now - entry.at < FORGET_AFTER_MS));
    entries[this.key] = { id, at: now };
    try {
      // Private like aish.db next to it: which sessions this user's terminals are in is nobody else's business.
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      const temp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(entries), { mode: 0o600 });
      renameSync(temp, this.file);
    } catch {
      // A read-only data folder only loses `-C`; the answer itself is not affected.
    }
  }
}
