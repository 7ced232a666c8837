/**
 * A spinner on stderr while a stage waits for its first token: names the
 * stage and the elapsed time, gone once text flows. Only on a terminal,
 * never with `-q` or `NO_COLOR` (the caller decides through `enabled`).
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const INTERVAL_MS = 80;

/** One progress display at a time: concurrent stages (a fan-out) would overwrite each other. */
let active: Spinner | FanoutProgress | undefined;

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
