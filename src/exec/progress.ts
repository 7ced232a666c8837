/**
 * A spinner on stderr while a stage waits for its first token: names the
 * stage and the elapsed time, gone once text flows. Only on a terminal,
 * never with `-q` or `NO_COLOR` (the caller decides through `enabled`).
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const INTERVAL_MS = 80;

/** One spinner line at a time: concurrent stages (a fan-out) would overwrite each other. */
let active: Spinner | undefined;

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
