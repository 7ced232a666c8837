/**
 * A spinner on stderr while a stage waits for its first token: names the
 * stage and the elapsed time, gone once text flows. Only on a terminal,
 * never with `-q` or `NO_COLOR` (the caller decides through `enabled`).
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const INTERVAL_MS = 80;

/** One progress display at a time: concurrent stages (a fan-out) would overwrite each other. */
let active: Spinner | FanoutProgress | RecordsProgressLine | undefined;

export class Spinner {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    enabled: boolean,
  ) {
    if (!enabled || active) return;
    active = this;
    this.timer = setInterval(() => this.draw(), INTERVAL_MS);
    this.timer.unref();
  }

  private draw(): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    process.stderr.write(`\r\x1b[2K${FRAMES[this.frame++ % FRAMES.length]} ${this.label} ${seconds}s`);
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    active = undefined;
    process.stderr.write('\r\x1b[2K');
  }
}

export type BranchState = 'waiting' | 'streaming' | 'done' | 'failed';

/**
 * While a fan-out waits on a terminal, one stderr line per branch: its label,
 * state and elapsed time. Cleared for good when the answers start printing
 * (stdout and stderr share the terminal), or when the fan-out ends.
 */
export class FanoutProgress {
  private timer: NodeJS.Timeout | undefined;
  private drawn = 0;
  private readonly started = Date.now();
  private readonly states: { label: string; state: BranchState; since: number }[];

  constructor(
    labels: string[],
    enabled: boolean,
    private readonly write: (text: string) => void = (text) => process.stderr.write(text),
  ) {
    this.states = labels.map((label) => ({ label, state: 'waiting', since: Date.now() }));
    if (!enabled || active) return;
    active = this;
    this.timer = setInterval(() => this.draw(), INTERVAL_MS * 2);
    this.timer.unref();
  }

  set(index: number, state: BranchState): void {
    const entry = this.states[index];
    if (entry && entry.state !== state) Object.assign(entry, { state, since: Date.now() });
  }

  /** Draws now (also what the timer does). */
  draw(): void {
    if (!this.timer) return;
    const lines = this.states.map(({ label, state, since }) => {
      const seconds = (((state === 'done' || state === 'failed' ? since : Date.now()) - this.started) / 1000).toFixed(1);
      return `\x1b[2K  ${state === 'failed' ? '✗' : state === 'done' ? '✓' : FRAMES[Math.floor(Date.now() / INTERVAL_MS) % FRAMES.length]} ${label}  ${state} ${seconds}s`;
    });
    this.write(this.rewind() + lines.join('\n') + '\n');
    this.drawn = lines.length;
  }

  private rewind(): string {
    return this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
  }

  /** Clears the lines and stops drawing. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    active = undefined;
    if (this.drawn > 0) this.write(this.rewind() + '\x1b[2K\n'.repeat(this.drawn) + `\x1b[${this.drawn}A`);
    this.drawn = 0;
  }
}

/** Where an `--each` run has come to. */
export interface RecordsState {
  /** Records finished (answered, empty or failed). */
  done: number;
  /** All the records, once the input has ended. */
  total?: number;
  failed: number;
  running: number;
  /** Dollars spent so far; null once a call's price was unknown. */
  costUsd: number | null;
}

/** How a {@link RecordsProgressLine} looks and where it goes (tests give their own). */
export interface RecordsLineOptions {
  /** Colour (the failed count in red, the rest dim); off with NO_COLOR or --no-color. */
  color: boolean;
  write?: (text: string) => void;
  /** The terminal's width: a longer line would wrap and could not be redrawn in place. */
  columns?: number;
  now?: () => number;
}

/**
 * An `--each` run's one progress line on stderr: records done / total (the
 * total once the input has ended), failed, running, the cost so far and the
 * time left, redrawn in place and cleared at the end. Output for the same
 * terminal clears it first (`clear`); the next tick draws it again.
 */
export class RecordsProgressLine {
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;
  private state: RecordsState = { done: 0, failed: 0, running: 0, costUsd: 0 };
  private readonly write: (text: string) => void;
  private readonly now: () => number;
  private readonly started: number;

  constructor(
    private readonly label: string,
    enabled: boolean,
    private readonly options: RecordsLineOptions,
  ) {
    this.write = options.write ?? ((text) => process.stderr.write(text));
    this.now = options.now ?? Date.now;
    this.started = this.now();
    if (!enabled || active) return;
    active = this;
    this.timer = setInterval(() => this.draw(), INTERVAL_MS * 2);
    this.timer.unref();
  }

  set(state: RecordsState): void {
    this.state = state;
  }

  /** Draws now (also what the timer does). */
  draw(): void {
    if (!this.timer) return;
    this.write('\r\x1b[2K' + this.line());
    this.drawn = true;
  }

  /** Takes the line off the screen until the next tick, so other output starts on a clean line. */
  clear(): void {
    if (!this.drawn) return;
    this.write('\r\x1b[2K');
    this.drawn = false;
  }

  stop(): void {
    if (!this.timer) return;
    this.clear();
    clearInterval(this.timer);
    this.timer = undefined;
    active = undefined;
  }

  /** The line's text: `apollo: 120/1,000 done · 1 failed · 64 running · $0.0123 · 1m 05s left`. */
  line(): string {
    const { done, total, failed, running, costUsd } = this.state;
    const count = total === undefined ? `${number(done)} done` : `${number(done)}/${number(total)} done`;
    const parts = [`${this.label}: ${count}`, `${number(failed)} failed`, `${number(running)} running`, costUsd === null ? 'cost unknown' : dollars(costUsd)];
    const left = total !== undefined && done > 0 && done < total ? ((this.now() - this.started) / done) * (total - done) : undefined;
    if (left !== undefined) parts.push(`${duration(left)} left`);
    const columns = (this.options.columns ?? (process.stderr.columns || 80)) - 1;
    if (!this.options.color) return parts.join(' · ').slice(0, columns);
    // Colour codes take no columns: cut the plain text, then colour what is left of it.
    let room = columns;
    const shown = parts.map((part) => {
      const text = part.slice(0, Math.max(0, room));
      room -= part.length + 3;
      return text;
    });
    const paint = (text: string, index: number): string => (text === '' ? '' : index === 1 && failed > 0 ? `\x1b[31m${text}\x1b[39m` : index === 0 ? text : `\x1b[2m${text}\x1b[22m`);
    return shown.map(paint).filter((text) => text !== '').join('\x1b[2m · \x1b[22m');
  }
}

function number(value: number): string {
  return value.toLocaleString('en');
}

function dollars(value: number): string {
  return value === 0 ? '$0' : `$${value < 1 ? value.toFixed(4) : value.toFixed(2)}`;
}

/** `45s`, `3m 05s`, `2h 10m`. */
function duration(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}
