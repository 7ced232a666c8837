/**
 * A background job's output on its way to the REPL's screen: handed on in
 * whole lines (a last line without its newline gets one when a pipeline of
 * the job ends), so each can be drawn above the line being typed.
 */
import { StringDecoder } from 'node:string_decoder';
import { SharedOutput } from '../exec/index.js';

/** Writes whole lines of a job's stdout or stderr. */
export type BackgroundWriter = (lines: string, stream: 'stdout' | 'stderr') => void;

export class LineWriter extends SharedOutput {
  private held = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    private readonly deliver: BackgroundWriter,
    private readonly stream: 'stdout' | 'stderr',
  ) {
    super((chunk) => this.take(this.decoder.write(chunk)));
  }

  protected override endOfPipeline(): void {
    if (this.held === '') return;
    this.deliver(this.held + '\n', this.stream);
    this.held = '';
  }

  private take(text: string): void {
    const whole = this.held + text;
    const lastNewline = whole.lastIndexOf('\n');
    this.held = whole.slice(lastNewline + 1);
    if (lastNewline >= 0) this.deliver(whole.slice(0, lastNewline + 1), this.stream);
  }
}
