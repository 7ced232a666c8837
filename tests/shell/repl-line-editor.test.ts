/** The prompt's line editor on a stand-in terminal: keys in, what readline would show out. */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { LineEditor, type ReadResult } from '../../src/shell/line-editor.js';

interface FakeTerminal {
  editor: LineEditor;
  keys(text: string): void;
  screen(): string;
  earlyInterrupts: number;
}

const editors: LineEditor[] = [];

function terminal(history: string[] = []): FakeTerminal {
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => input }) as unknown as NodeJS.ReadStream;
  const output = Object.assign(new PassThrough(), { isTTY: true, columns: 80 }) as unknown as NodeJS.WriteStream;
  let shown = '';
  output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
  const fake: FakeTerminal = {
    editor: new LineEditor({
      input,
      output,
      history,
      complete: async (line) => [['apollo ', 'athena '].filter((name) => name.startsWith(line)), line],
      onEarlyInterrupt: () => fake.earlyInterrupts++,
    }),
    keys: (text) => input.write(text),
    // Escape sequences removed: what the text on the screen says, in order.
    screen: () => shown.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''),
    earlyInterrupts: 0,
  };
  editors.push(fake.editor);
  return fake;
}

afterEach(() => {
  for (const editor of editors.splice(0)) editor.close();
});

async function read(fake: FakeTerminal, prompt: string, keys: string): Promise<ReadResult> {
  const result = fake.editor.read(prompt);
  fake.keys(keys);
  return result;
}

describe('the line editor', () => {
  it('gives a typed line, with readline editing (Ctrl-A moves to the start)', async () => {
    const fake = terminal();
    const result = fake.editor.read('aish> ');
    // One key press at a time, as typed: readline inserts pasted text at the end.
    for (const key of ['hi | apollo', '\x01', ...'echo ', '\r']) {
      fake.keys(key);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await result).toEqual({ kind: 'line', text: 'echo hi | apollo' });
  });

  it('Ctrl-C leaves the typed text on screen with ^C and gives an interrupt; the next line starts empty', async () => {
    const fake = terminal();
    expect(await read(fake, 'aish> ', 'half typed\x03')).toEqual({ kind: 'interrupt' });
    expect(fake.screen()).toContain('aish> half typed^C\n');
    expect(await read(fake, 'aish> ', 'ok\r')).toEqual({ kind: 'line', text: 'ok' });
  });

  it('Ctrl-D on an empty line is the end of input; on a non-empty line it deletes', async () => {
    const fake = terminal();
    expect(await read(fake, 'aish> ', 'ab\x02\x04\r')).toEqual({ kind: 'line', text: 'a' });
    expect(await read(fake, 'aish> ', '\x04')).toEqual({ kind: 'eof' });
  });

  it('recalls a multi-line history entry whole with Up', async () => {
    const fake = terminal(['athena << EOF\nline one\nEOF', 'ls']);
    expect(await read(fake, 'aish> ', '\x1b[A\r')).toEqual({ kind: 'line', text: 'athena << EOF\nline one\nEOF' });
  });

  it('Ctrl-R finds an older entry as it is typed; Enter runs it', async () => {
    const fake = terminal(['echo newest', 'git status', 'echo hello world']);
    const result = fake.editor.read('aish> ');
    fake.keys('\x12hello');
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.screen()).toContain("(reverse-i-search)'hello': echo hello world");
    fake.keys('\r');
    expect(await result).toEqual({ kind: 'line', text: 'echo hello world' });
  });

  it('Ctrl-R again goes further back; Ctrl-G gives the line back as it was', async () => {
    const fake = terminal(['echo b', 'echo a']);
    const result = fake.editor.read('aish> ');
    fake.keys('mine\x12echo\x12');
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.screen()).toContain("(reverse-i-search)'echo': echo a");
    fake.keys('\x07\r');
    expect(await result).toEqual({ kind: 'line', text: 'mine' });
  });

  it('a cursor key takes the match into the line for editing', async () => {
    const fake = terminal(['git status']);
    expect(await read(fake, 'aish> ', '\x12stat\x1b[D\x7f\r')).toEqual({ kind: 'line', text: 'git stats' });
  });

  it('completes with Tab (a Tab that is part of pasted text is kept as typed)', async () => {
    const fake = terminal();
    const result = fake.editor.read('aish> ');
    fake.keys('apo');
    fake.keys('\t');
    await new Promise((resolve) => setTimeout(resolve, 10));
    fake.keys('\r');
    expect(await result).toEqual({ kind: 'line', text: 'apollo ' });
  });

  it('keeps keys typed ahead for the next prompt, which each line gets', async () => {
    const fake = terminal();
    expect(await read(fake, 'aish> ', 'one\rtwo\r')).toEqual({ kind: 'line', text: 'one' });
    expect(await fake.editor.read('> ')).toEqual({ kind: 'line', text: 'two' });
    expect(fake.screen().replace(/\r/g, '')).toMatch(/aish> one\n> two\n$/);
  });

  it('Ctrl-C typed ahead (after Enter, before the line runs) is reported and drops what was typed ahead before it', async () => {
    const fake = terminal();
    expect(await read(fake, 'aish> ', 'sleep 10\recho dropped\x03')).toEqual({ kind: 'line', text: 'sleep 10' });
    expect(fake.earlyInterrupts).toBe(1);
    expect(await read(fake, 'aish> ', 'next\r')).toEqual({ kind: 'line', text: 'next' });
  });
});
