/**
 * The REPL's line history, kept in a file (`~/.local/share/aish/repl_history`
 * or `AISH_HISTORY_FILE`): loaded at start, appended one entry per line run,
 * bounded. A multi-line entry (a here-document, a continued pipeline) stays
 * one entry: each entry is one line of the file, with `\` written `\\` and a
 * newline written `\n`, so ordinary one-line entries read as typed.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** How many entries are kept; the file is trimmed back when it holds twice as many. */
export const HISTORY_LIMIT = 1000;

export class LineHistory {
  /** Newest first, the order node:readline navigates. */
  readonly entries: string[];
  private fileLines: number;
  private broken = false;

  private constructor(
    private readonly file: string,
    entries: string[],
    fileLines: number,
    private readonly limit: number,
    private readonly warn: (message: string) => void,
  ) {
    this.entries = entries;
    this.fileLines = fileLines;
  }

  /** Reads the file (a missing file is an empty history; an unreadable one is reported once). */
  static load(file: string, warn: (message: string) => void, limit = HISTORY_LIMIT): LineHistory {
    let lines: string[] = [];
    try {
      lines = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') warn(`aish: history file ${file}: ${(error as Error).message}`);
    }
    const entries = lines.slice(-limit).map(decodeEntry).reverse();
    const history = new LineHistory(file, entries, lines.length, limit, warn);
    if (lines.length > 2 * limit) history.rewrite();
    return history;
  }

  /** Adds an entry (not a blank one, nor a repeat of the newest) and appends it to the file. */
  add(entry: string): void {
    if (entry.trim() === '' || this.entries[0] === entry) return;
    this.entries.unshift(entry);
    if (this.entries.length > this.limit) this.entries.length = this.limit;
    this.write(() => {
      mkdirSync(dirname(this.file), { recursive: true });
      appendFileSync(this.file, encodeEntry(entry) + '\n', { mode: 0o600 });
      if (++this.fileLines > 2 * this.limit) this.rewrite();
    });
  }

  /** Replaces the file with the kept entries (through a temporary file, so a crash loses nothing). */
  private rewrite(): void {
    this.write(() => {
      const temporary = `${this.file}.${process.pid}.tmp`;
      const text = [...this.entries].reverse().map((entry) => encodeEntry(entry) + '\n').join('');
      writeFileSync(temporary, text, { mode: 0o600 });
      renameSync(temporary, this.file);
      this.fileLines = this.entries.length;
    });
  }

  /** A history that cannot be saved is reported once; the REPL goes on without saving. */
  private write(action: () => void): void {
    if (this.broken) return;
    try {
      action();
    } catch (error) {
      this.broken = true;
      this.warn(`aish: cannot save history to ${this.file}: ${(error as Error).message}`);
    }
  }
}

export function encodeEntry(entry: string): string {
  return entry.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function decodeEntry(line: string): string {
  return line.replace(/\\(.)/g, (_match, escaped: string) => (escaped === 'n' ? '\n' : escaped));
}
