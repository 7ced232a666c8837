/**
 * Drives `bin/aish` in a real pseudo-terminal through tmux, as a user at a
 * keyboard would: keys in, screen text out. Each Terminal has its own tmux
 * server (`-L`, no user config), so tests run in parallel and `stop()`
 * leaves nothing behind. Waits poll the screen up to a generous deadline.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { AISH } from './aish.js';

const TMUX = process.env.TMUX_BINARY ?? 'tmux';
let terminals = 0;

export class Terminal {
  readonly socket = `aish-test-${process.pid}-${++terminals}`;
  private session = 0;

  constructor(readonly home: string) {}

  /**
   * Starts `aish ARGS` in a 120×40 terminal, in `home` with a clean environment
   * (temporary HOME and XDG folders). When aish ends the pane says
   * `[aish exited N]` and stays open. Starting again replaces the first session.
   */
  start(args: string[] = [], env: Record<string, string> = {}): void {
    const variables = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.home,
      XDG_CONFIG_HOME: join(this.home, '.config'),
      XDG_DATA_HOME: join(this.home, '.local', 'share'),
      AISH_DB: join(this.home, 'aish.db'),
      TERM: 'screen',
      LANG: 'C.UTF-8',
      ...env,
    };
    const assignments = Object.entries(variables).map(([name, value]) => `${name}=${quote(value)}`);
    const command = [`cd ${quote(this.home)}`, `env -i ${assignments.join(' ')} ${quote(AISH)} ${args.map(quote).join(' ')}`, 'echo "[aish exited $?]"', 'exec sleep 3600'].join('; ');
    const previous = this.session > 0 ? this.target : undefined;
    this.session++;
    this.tmux('-f', '/dev/null', 'new-session', '-d', '-s', this.target, '-x', '120', '-y', '40', command);
    // The old session goes after the new one starts, so the server never empties and exits meanwhile.
    if (previous) this.tmux('kill-session', '-t', previous);
  }

  /** tmux key names: `Enter`, `Tab`, `Up`, `Escape`, `C-c`, `C-d`, `C-r`… */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.target, ...keys);
  }

  /** Types text literally (no key names). */
  type(text: string): void {
    this.tmux('send-keys', '-t', this.target, '-l', '--', text);
  }

  /** Types a line and presses Enter. */
  line(text: string): void {
    this.type(text);
    this.keys('Enter');
  }

  /**
   * What the screen shows, wrapped lines joined, trailing blank lines dropped. Not the
   * scrollback: tmux copies the screen there when a program clears it from the top.
   */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-t', this.target).replace(/\s+$/, '');
  }

  /** The screen row by row as the terminal shows it (wrapped lines not joined), trailing blanks dropped. */
  rows(): string {
    return this.tmux('capture-pane', '-p', '-t', this.target)
      .split('\n')
      .map((row) => row.trimEnd())
      .join('\n')
      .replace(/\s+$/, '');
  }

  /** Polls the screen until `check` holds (a text it contains, a pattern, or a test); returns that screen. */
  async waitFor(check: string | RegExp | ((screen: string) => boolean), what = String(check), deadlineMs = 15_000): Promise<string> {
    const test = typeof check === 'string' ? (text: string) => text.includes(check) : check instanceof RegExp ? (text: string) => check.test(text) : check;
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const text = this.screen();
      if (test(text)) return text;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${what}; it shows:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Ends the tmux server and everything running in it, and removes its socket file (tmux leaves it). */
  stop(): void {
    try {
      const socketPath = this.tmux('display-message', '-p', '#{socket_path}').trim();
      this.tmux('kill-server');
      rmSync(socketPath, { force: true });
    } catch {
      // already gone
    }
  }

  private get target(): string {
    return `aish${this.session}`;
  }

  private tmux(...args: string[]): string {
    return execFileSync(TMUX, ['-L', this.socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
