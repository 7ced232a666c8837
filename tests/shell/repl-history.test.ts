/** The REPL's history file and Ctrl-R search. */
import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, LineHistory } from '../../src/shell/line-history.js';
import { ReverseSearch } from '../../src/shell/reverse-search.js';

function historyFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'aish-history-')), 'deep', 'er', 'repl_history');
}

function noWarnings(): (message: string) => void {
  return (message) => {
    throw new Error(`unexpected warning: ${message}`);
  };
}

describe('the line history file', () => {
  it('is created (with its folders, readable only by the user) on the first entry and read back newest first', () => {
    const file = historyFile();
    const first = LineHistory.load(file, noWarnings());
    expect(first.entries).toEqual([]);
    first.add('echo hi | apollo');
    first.add('ais');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(LineHistory.load(file, noWarnings()).entries).toEqual(['ais', 'echo hi | apollo']);
  });

  it('keeps a multi-line entry (a here-document, a backslash) as one entry, and one-line entries as typed', () => {
    const file = historyFile();
    const history = LineHistory.load(file, noWarnings());
    const hereDoc = 'apollo << EOF\nline one\\n not a newline\nEOF';
    history.add(hereDoc);
    history.add('echo a \\\nb');
    history.add('echo plain');
    expect(readFileSync(file, 'utf8').split('\n').at(-2)).toBe('echo plain');
    expect(LineHistory.load(file, noWarnings()).entries).toEqual(['echo plain', 'echo a \\\nb', hereDoc]);
  });

  it('skips blank entries and an entry repeating the newest one', () => {
    const file = historyFile();
    const history = LineHistory.load(file, noWarnings());
    for (const entry of ['ls', 'ls', '   ', 'pwd', 'ls']) history.add(entry);
    expect(LineHistory.load(file, noWarnings()).entries).toEqual(['ls', 'pwd', 'ls']);
  });

  it('holds at most its limit of entries, and the file is trimmed back when it grows to twice that', () => {
    const file = historyFile();
    const history = LineHistory.load(file, noWarnings(), 3);
    for (let i = 1; i <= 6; i++) history.add(`echo ${i}`);
    expect(history.entries).toEqual(['echo 6', 'echo 5', 'echo 4']);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(6);
    history.add('echo 7');
    expect(readFileSync(file, 'utf8')).toBe('echo 5\necho 6\necho 7\n');
    appendFileSync(file, 'echo 8\n');
    expect(LineHistory.load(file, noWarnings(), 2).entries).toEqual(['echo 8', 'echo 7']);
  });

  it('reports a history that cannot be saved once, and goes on', () => {
    const folder = mkdtempSync(join(tmpdir(), 'aish-history-'));
    writeFileSync(join(folder, 'file'), '');
    const warnings: string[] = [];
    const history = LineHistory.load(join(folder, 'file', 'repl_history'), (message) => warnings.push(message));
    history.add('one');
    history.add('two');
    expect(history.entries).toEqual(['two', 'one']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('cannot save history');
  });

  it('encodes entries so that decoding gives them back exactly', () => {
    for (const entry of ['plain', 'a\\b', 'a\nb', 'ends with \\', '\\n literally', 'x\\\ny']) {
      expect(encodeEntry(entry)).not.toContain('\n');
      expect(decodeEntry(encodeEntry(entry))).toBe(entry);
    }
  });
});

describe('Ctrl-R reverse search', () => {
  const entries = ['git status', 'echo hi | apollo', 'athena << EOF\nline one\nEOF', 'echo hello'];

  it('finds the newest entry holding what was typed, narrowing as more is typed', () => {
    const search = new ReverseSearch(entries);
    expect(search.prompt).toBe("(reverse-i-search)'': ");
    search.type('e');
    expect(search.match).toBe('echo hi | apollo');
    search.type('cho he');
    expect(search.match).toBe('echo hello');
    expect(search.prompt).toBe("(reverse-i-search)'echo he': ");
    expect(search.matchOffset).toBe(0);
  });

  it('goes to older matches with Ctrl-R again, and says when there is none, keeping the last match', () => {
    const search = new ReverseSearch(entries);
    search.type('echo');
    expect(search.match).toBe('echo hi | apollo');
    search.older();
    expect(search.match).toBe('echo hello');
    search.older();
    expect(search.match).toBe('echo hello');
    expect(search.prompt).toBe("(failed reverse-i-search)'echo': ");
  });

  it('finds text inside a multi-line entry, and widens again on Backspace', () => {
    const search = new ReverseSearch(entries);
    search.type('line onex');
    expect(search.prompt).toContain('failed');
    search.erase();
    expect(search.match).toBe('athena << EOF\nline one\nEOF');
    expect(search.matchOffset).toBe('athena << EOF\n'.length);
  });
});
