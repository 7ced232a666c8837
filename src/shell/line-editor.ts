/**
 * The prompt's line editing: node:readline (cursor keys, Ctrl-A/E/U/K/W, Up
 * and Down through the history, Tab completion) plus what it lacks for a
 * shell — Ctrl-R reverse search, Ctrl-C that clears the line, Ctrl-D that
 * ends input without closing the terminal, and one history entry for a
 * multi-line command. Keys reach readline through this editor, which keeps
 * the ones it handles itself.
 */
import { createInterface, type CompleterResult, type Interface, type Key } from 'node:readline';
import { ReverseSearch } from './reverse-search.js';

/** What one `read` gave: a line, Ctrl-C at the prompt, or the end of input (Ctrl-D). */
export type ReadResult = { kind: 'line'; text: string } | { kind: 'interrupt' } | { kind: 'eof' };

export interface LineEditorOptions {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  /** The history, newest first; the editor reads it, its owner adds to it. */
  history: string[];
  complete(line: string): Promise<CompleterResult>;
  /** Ctrl-C pressed after a line was finished and before its run took the terminal over. */
  onEarlyInterrupt(): void;
}

/** The parts of readline's state a shell has to set (stable since Node 12, used by Node's own REPL). */
interface ReadlineState {
  line: string;
  cursor: number;
  historyIndex: number;
  prevRows: number;
  _refreshLine(): void;
}

type KeyListener = (text: string | undefined, key: Key | undefined) => void;

interface Search {
  state: ReverseSearch;
  /** What was there before Ctrl-R, restored by Esc or Ctrl-G. */
  prompt: string;
  line: string;
  cursor: number;
}

/** What a chat that borrowed the readline tells the editor: whether its prompt is showing, waiting for a line. */
export interface PromptBorrower {
  promptShowing(showing: boolean): void;
}

export class LineEditor {
  private readline: Interface | undefined;
  private readlineKeys: KeyListener[] = [];
  private readonly onKey: KeyListener = (text, key) => this.handleKey(text, key);
  private readonly queue: ReadResult[] = [];
  /** Keys that came after a finished line and before the next prompt. */
  private readonly typedAhead: [string | undefined, Key | undefined][] = [];
  private waiting: ((result: ReadResult) => void) | undefined;
  private search: Search | undefined;
  private prompt = '';
  private paused = false;
  private closing = false;
  /** Lent to a chat: every key goes straight to readline, and its lines are the chat's. */
  private lent = false;
  /** Lent, and the chat shows its prompt waiting for a line (not answering). */
  private lentPromptShowing = false;

  constructor(private readonly options: LineEditorOptions) {}

  /** Shows `prompt` and resolves with what the user typed. */
  read(prompt: string): Promise<ReadResult> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    const readline = this.open();
    if (this.paused) {
      this.paused = false;
      setRawMode(this.options.input, true);
    }
    this.prompt = prompt;
    readline.setPrompt(prompt);
    readline.prompt();
    const result = new Promise<ReadResult>((resolve) => (this.waiting = resolve));
    // Keys typed (or pasted) before this prompt showed: each line gets its prompt, as in sh.
    while (this.waiting && this.typedAhead.length > 0) {
      const [text, key] = this.typedAhead.shift()!;
      this.handleKey(text, key);
    }
    return result;
  }

  /**
   * While a line runs: the terminal goes back to its normal mode, so Ctrl-C is
   * a real SIGINT (reaching child processes too) and children can read it;
   * what the user types meanwhile waits for the next prompt.
   */
  pause(): void {
    if (!this.readline) return;
    this.readline.pause();
    setRawMode(this.options.input, false);
    this.paused = true;
  }

  /**
   * Lends the readline interface to a chat (`runChat`'s `readline`): it reads
   * its own lines and Ctrl-C from it, with no completion or search of aish's,
   * until the promise `use` returns settles.
   */
  async lend<T>(use: (readline: Interface, borrower: PromptBorrower) => Promise<T>): Promise<T> {
    const readline = this.open();
    if (this.paused) {
      this.paused = false;
      setRawMode(this.options.input, true);
    }
    // Lines typed before the chat listens would run as commands after it: dropped instead.
    this.typedAhead.length = 0;
    this.lent = true;
    try {
      return await use(readline, { promptShowing: (showing) => (this.lentPromptShowing = showing) });
    } finally {
      this.lent = false;
      this.lentPromptShowing = false;
    }
  }

  /**
   * Writes output that arrives while the prompt may be showing (a background
   * job's lines): the prompt's row is cleared, the text written, and the
   * prompt drawn again with what was typed, so the two never mix.
   */
  printAbove(text: string, stream: NodeJS.WritableStream): void {
    const atPrompt = this.lent ? this.lentPromptShowing : this.waiting !== undefined;
    const showing = this.readline !== undefined && atPrompt && !this.paused && !this.search;
    if (!showing) {
      stream.write(text);
      return;
    }
    this.options.output.write('\r\x1b[2K');
    stream.write(text);
    this.state._refreshLine();
  }

  /** Gives the terminal up entirely; the next `read` takes it back. */
  close(): void {
    if (!this.readline) return;
    this.closing = true;
    this.options.input.removeListener('keypress', this.onKey);
    this.readline.close();
    this.readline = undefined;
    this.closing = false;
    this.paused = false;
  }

  private open(): Interface {
    if (this.readline) return this.readline;
    const { input, output } = this.options;
    const before = new Set(input.listeners('keypress'));
    const readline = createInterface({
      input,
      output,
      terminal: true,
      history: this.options.history,
      // The owner adds whole (multi-line) entries; readline would add each physical line.
      historySize: 0,
      tabSize: 4,
      completer: (line: string, done: (error: null, result: CompleterResult) => void) => {
        if (this.lent) return done(null, [[], line]);
        this.options.complete(line).then(
          (result) => done(null, result),
          () => done(null, [[], line]),
        );
      },
    });
    // Readline listens for keys itself; take its listener so keys pass through this editor first.
    this.readlineKeys = input.listeners('keypress').filter((listener) => !before.has(listener)) as KeyListener[];
    for (const listener of this.readlineKeys) input.removeListener('keypress', listener);
    input.on('keypress', this.onKey);
    readline.on('line', (text) => {
      if (!this.lent) this.settle({ kind: 'line', text });
    });
    readline.on('close', () => {
      if (this.closing) return;
      this.options.input.removeListener('keypress', this.onKey);
      this.readline = undefined;
      // Ctrl-D in a chat ends the chat, not aish: the next read opens a new interface.
      if (this.lent) this.options.output.write('\n');
      else this.settle({ kind: 'eof' });
    });
    // Ctrl-Z at the prompt does nothing, as in sh: there is no job to stop.
    readline.on('SIGTSTP', () => {});
    this.readline = readline;
    return readline;
  }

  private get state(): ReadlineState {
    return this.readline as unknown as ReadlineState;
  }

  private settle(result: ReadResult): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting(result);
    else this.queue.push(result);
  }

  private forward(text: string | undefined, key: Key | undefined): void {
    for (const listener of this.readlineKeys) listener.call(this.options.input, text, key);
  }

  private handleKey(text: string | undefined, key: Key | undefined): void {
    if (!this.readline) return;
    if (this.lent) return this.forward(text, key);
    if (!this.waiting) {
      // As a terminal flushes its input on Ctrl-C, what was typed ahead goes too.
      if (key?.ctrl && key.name === 'c') {
        this.typedAhead.length = 0;
        this.options.output.write('^C\n');
        return this.options.onEarlyInterrupt();
      }
      this.typedAhead.push([text, key]);
      return;
    }
    if (this.search) return this.searchKey(text, key);
    if (key?.ctrl && key.name === 'r') return this.startSearch();
    if (key?.ctrl && key.name === 'c') return this.interrupt();
    if (key?.ctrl && key.name === 'd' && this.state.line === '') return this.endOfInput();
    this.forward(text, key);
  }

  /** Ctrl-C: the line stays visible with `^C` after it, and a fresh prompt follows. */
  private interrupt(): void {
    this.readline!.write(null, { ctrl: true, name: 'e' });
    this.options.output.write('^C\n');
    this.resetLine();
    this.settle({ kind: 'interrupt' });
  }

  private endOfInput(): void {
    this.options.output.write('\n');
    this.resetLine();
    this.settle({ kind: 'eof' });
  }

  private resetLine(): void {
    const state = this.state;
    state.line = '';
    state.cursor = 0;
    state.historyIndex = -1;
    state.prevRows = 0;
  }

  private startSearch(): void {
    const state = this.state;
    this.search = { state: new ReverseSearch(this.options.history), prompt: this.prompt, line: state.line, cursor: state.cursor };
    this.drawSearch();
  }

  private searchKey(text: string | undefined, key: Key | undefined): void {
    const search = this.search!;
    if (key?.ctrl && key.name === 'r') search.state.older();
    else if ((key?.ctrl && key.name === 'g') || key?.name === 'escape') return this.endSearch(false);
    else if (key?.ctrl && key.name === 'c') {
      this.endSearch(false);
      return this.interrupt();
    } else if (key?.name === 'backspace') search.state.erase();
    else if (text && !key?.ctrl && !key?.meta && isPrintable(text)) search.state.type(text);
    else {
      // Any other key (Enter, arrows, Tab…) takes the match into the line and then does its usual job.
      this.endSearch(true);
      return this.forward(text, key);
    }
    this.drawSearch();
  }

  private drawSearch(): void {
    const { state: search, line } = this.search!;
    const state = this.state;
    this.readline!.setPrompt(search.prompt);
    state.line = search.match ?? line;
    state.cursor = search.match === undefined ? state.line.length : search.matchOffset;
    state._refreshLine();
  }

  /** Leaves the search: with the match in the line (`accept`), or with the line as it was before. */
  private endSearch(accept: boolean): void {
    const search = this.search!;
    this.search = undefined;
    const state = this.state;
    this.readline!.setPrompt(search.prompt);
    state.line = accept ? (search.state.match ?? search.line) : search.line;
    state.cursor = accept ? state.line.length : search.cursor;
    state._refreshLine();
  }
}

function isPrintable(text: string): boolean {
  return !/[\x00-\x1f\x7f]/.test(text);
}

function setRawMode(input: NodeJS.ReadStream, on: boolean): void {
  if (input.isTTY) input.setRawMode(on);
}
