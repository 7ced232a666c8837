/**
 * The ends of the pipes between stages. A `Source` is what a stage reads, a
 * `Sink` where it writes: an OS file descriptor (aish's own stdio, a file, a
 * pipe between two children) or a JS stream. JS stages write through a
 * `SinkWriter` that waits for drain (back-pressure) and notices when the
 * reader has gone.
 */
import { createReadStream, readSync, writeSync } from 'node:fs';
import { Writable, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StdinState } from './context.js';

export type Source =
  | { kind: 'stdin' }
  | { kind: 'none' }
  | { kind: 'text'; text: string }
  /**
   * `poll`: a non-blocking descriptor onto the same pipe as `fd`, for aish's own
   * reads (its writer may be aish itself, so a blocking read could wait forever).
   */
  | { kind: 'fd'; fd: number; poll?: number }
  /** `shared`: the stream belongs to a compound command around the stage, which releases it when it ends. */
  | { kind: 'stream'; stream: Readable; shared?: true };

/**
 * `rawAnswer` marks a pipe whose reader takes an AI answer's bytes unchanged
 * (the next AI stage, a fan-out's merger); an answer going anywhere else
 * gets its final newline. `shared`: the stream belongs to a compound command
 * around the stage, which ends it when it ends.
 */
export type Sink = { kind: 'fd'; fd: number } | { kind: 'stream'; stream: Writable; rawAnswer?: boolean; shared?: true } | { kind: 'discard' };

/** The ends a compound command hands to the commands inside it: they use them, and leave them open. */
export function shared<T extends Source | Sink>(end: T): T {
  return end.kind === 'stream' ? { ...end, shared: true } : end;
}

/**
 * Rewrites text on its way out (Markdown rendered for a terminal). It may
 * hold a partial line back; `end()` hands over what it holds.
 */
export interface OutputTransform {
  push(text: string): string;
  end(): string;
}

/** The reader of a pipe went away (`| head`): not a failure, the writer just stops. */
export class ReaderGone extends Error {
  override readonly name = 'ReaderGone';
}

/**
 * Output could not be written (a full disk, `/dev/full`, an I/O error): the
 * stage reports one line, `aish: write error: …`, and fails with status 1.
 */
export class WriteFailure extends Error {
  override readonly name = 'WriteFailure';
  constructor(readonly reason: string) {
    super(`write error: ${reason}`);
  }
}

/** Reports a write failure on the stage's stderr; its status is 1. */
export function reportWriteFailure(error: WriteFailure, context: { reporter: { error(text: string): void } }): number {
  context.reporter.error(`aish: ${error.message}`);
  return 1;
}

/** The error a failed write becomes: a closed pipe is a reader gone (quiet), anything else a write failure. */
export function writeErrorOf(error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') return new ReaderGone();
  if (typeof code !== 'string' || !code.startsWith('E')) return error as Error;
  return new WriteFailure(WRITE_ERRORS[code] ?? (error as Error).message);
}

/** The C library's words for the errors a write meets, as sh prints them. */
const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: 'No space left on device',
  EDQUOT: 'Disk quota exceeded',
  EFBIG: 'File too large',
  EIO: 'Input/output error',
  EBADF: 'Bad file descriptor',
  EROFS: 'Read-only file system',
};

/** Held text past this many characters is written at once, not at the end of the tick. */
const HOLD_LIMIT = 64 * 1024;

/** Writes to a sink with back-pressure; counts bytes; throws `ReaderGone` on EPIPE, `WriteFailure` on other errors. */
export class SinkWriter {
  bytes = 0;
  /** The last character written, for the "end with a newline" rule. */
  lastChar = '';
  private gone = false;
  /** The first error a write to a stream reported. */
  private failure: Error | undefined;

  /** Text written in this tick and not yet handed to the stream (coalescing only). */
  private held = '';
  private releaseScheduled = false;
  /** The write of held text under way, while the stream has not taken it (back-pressure). */
  private releasing: Promise<void> | undefined;
  /** What the write of held text met, thrown by the next write, `drain` or `flush`. */
  private heldFailure: Error | undefined;

  constructor(
    private readonly sink: Sink,
    private readonly isClosed: () => boolean = () => false,
    /** Applied to everything written; `bytes` and `lastChar` still count the text as given. */
    private readonly transform?: OutputTransform,
    /**
     * Gathers what is written to aish's own stdout in one tick (the parts of an
     * answer that came together) into one write, one syscall, at the tick's end;
     * a writer waits while the stream has not taken the last of it. Its errors
     * come from the next `write`, `drain` or `flush`.
     */
    private readonly coalesce = false,
  ) {
    // Only a pipe between stages is watched here: aish's own stdout and stderr live
    // as long as the process (one listener per stage would pile up over a long
    // script), and their closing is the shell's to notice (`isClosed`).
    if (sink.kind !== 'stream') return;
    const { stream } = sink;
    stream.on('error', () => {
      this.gone = true;
    });
    stream.on('close', () => {
      if (!stream.writableFinished) this.gone = true;
    });
  }

  /** True when this writes to aish's own stdout. */
  get toOwnStdout(): boolean {
    return this.sink.kind === 'fd' && this.sink.fd === 1;
  }

  /** True unless the reader is another AI stage (or a fan-out's merger): an answer written here ends with a newline. */
  get endsLines(): boolean {
    return !(this.sink.kind === 'stream' && this.sink.rawAnswer === true);
  }

  private stream(): Writable | undefined {
    if (this.sink.kind === 'stream') return this.sink.stream;
    if (this.sink.kind === 'fd' && this.sink.fd === 1) return process.stdout;
    if (this.sink.kind === 'fd' && this.sink.fd === 2) return process.stderr;
    return undefined;
  }

  async write(text: string): Promise<void> {
    if (text === '') return;
    if (this.gone || this.isClosed()) throw new ReaderGone();
    this.bytes += Buffer.byteLength(text);
    this.lastChar = text.charAt(text.length - 1);
    await this.put(this.transform ? this.transform.push(text) : text);
  }

  /** Writes out what the transform holds back (a last line without its newline) and resets it. */
  async flush(): Promise<void> {
    await this.drain();
    if (!this.transform || this.gone || this.isClosed()) return;
    await this.put(this.transform.end());
    await this.drain();
  }

  /** Writes out the text held in this tick and waits until the stream has taken it; throws what its write met. */
  async drain(): Promise<void> {
    if (this.releasing) await this.releasing;
    if (this.held !== '') await this.release();
    this.throwHeldFailure();
  }

  private put(text: string): Promise<void> {
    if (!this.coalesce || !this.toOwnStdout) return this.putNow(text);
    return this.hold(text);
  }

  private async hold(text: string): Promise<void> {
    this.throwHeldFailure();
    // The stream has not taken the last tick's text: wait, so the answer is not read faster than it is written.
    if (this.releasing) await this.releasing;
    this.held += text;
    if (this.held.length >= HOLD_LIMIT) return this.release();
    if (!this.releaseScheduled) {
      this.releaseScheduled = true;
      process.nextTick(this.releaseHeld);
    }
  }

  private readonly releaseHeld = (): void => {
    this.releaseScheduled = false;
    if (this.held === '' || this.releasing) return;
    const releasing = this.release().then(
      () => undefined,
      (error: unknown) => {
        this.heldFailure ??= error as Error;
      },
    );
    this.releasing = releasing;
    void releasing.finally(() => {
      if (this.releasing === releasing) this.releasing = undefined;
    });
  };

  private release(): Promise<void> {
    const text = this.held;
    this.held = '';
    return this.putNow(text);
  }

  private throwHeldFailure(): void {
    const failure = this.heldFailure;
    if (failure) throw failure;
  }

  private async putNow(text: string): Promise<void> {
    if (text === '' || this.sink.kind === 'discard') return;
    const stream = this.stream();
    try {
      if (!stream) {
        writeAllSync((this.sink as { fd: number }).fd, text);
        return;
      }
      if (this.failure) throw this.failure;
      if (stream.destroyed) throw new ReaderGone();
      // A failed write is told to its callback (the stream's own `errored` is cleared once it is destroyed).
      const flowing = stream.write(text, (error) => {
        if (error) this.failure ??= error;
      });
      if (stream.errored) throw stream.errored;
      if (!flowing) await waitForDrain(stream);
      if (this.failure) throw this.failure;
    } catch (error) {
      if (error instanceof ReaderGone) throw error;
      throw writeErrorOf(error);
    }
    if (this.gone) throw new ReaderGone();
  }

  /** Ends a JS stream sink (never aish's own stdout/stderr or a file fd, which their owners close). */
  async end(): Promise<void> {
    await this.flush().catch(() => {});
    if (this.sink.kind !== 'stream' || this.sink.shared) return;
    const stream = this.sink.stream;
    if (stream.destroyed || stream.writableEnded) return;
    await new Promise<void>((resolve) => {
      stream.end(resolve);
      stream.once('error', () => resolve());
    });
  }
}

/**
 * A JS stdout that several pipelines write to in turn (a script's `$( … )`,
 * a background job's `a && b`). Each pipeline ends the stdout it is given, as
 * the end of a pipe should be; here the next pipeline still writes to it, so
 * ending only hands over what is held (`endOfPipeline`) and calls back.
 */
export class SharedOutput extends Writable {
  constructor(take: (chunk: Buffer) => void) {
    super({
      write: (chunk: Buffer | string, _encoding, callback) => {
        take(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        callback();
      },
    });
    // Every stage writing here watches it (SinkWriter): a long script has many.
    this.setMaxListeners(0);
  }

  override end(...args: unknown[]): this {
    const callback = args.find((arg): arg is () => void => typeof arg === 'function');
    const chunk = args[0];
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) this.write(chunk);
    this.endOfPipeline();
    if (callback) process.nextTick(callback);
    return this;
  }

  /** A pipeline writing here has ended. */
  protected endOfPipeline(): void {}
}

/** A whole script's stdout collected as text (`$( … )`, `aish --json`). */
export class TextCollector extends SharedOutput {
  private readonly chunks: Buffer[] = [];

  constructor() {
    super((chunk) => this.chunks.push(chunk));
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function waitForDrain(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

function writeAllSync(fd: number, text: string): void {
  const buffer = Buffer.from(text);
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset);
}

/** A source held more than the bytes a stage may read (`limits.max_input`); reading stopped there. */
export class InputOverLimit extends Error {
  override readonly name = 'InputOverLimit';
  constructor(readonly limit: number) {
    super(`input over ${limit} bytes`);
  }
}

/**
 * Reads a whole source as text for a stage that needs all of it (an AI stage,
 * a fan-out). Undefined means "no input": nothing piped, a terminal, or zero
 * bytes (docs/language.md "AI stages"). Past `limit` bytes it stops reading (an endless
 * `yes |` must not fill memory) and throws {@link InputOverLimit}.
 */
export async function readSource(source: Source, stdin: StdinState, limit = Infinity): Promise<string | undefined> {
  switch (source.kind) {
    case 'none':
      return undefined;
    case 'text':
      if (Buffer.byteLength(source.text) > limit) throw new InputOverLimit(limit);
      return source.text;
    case 'fd':
      return emptyAsUndefined(source.poll === undefined ? readFdSync(source.fd, limit) : await readPolledFd(source.poll, limit));
    case 'stream':
      return emptyAsUndefined(await readStream(source.stream, limit));
    case 'stdin': {
      if (stdin.isTTY || stdin.isScript || stdin.consumed) return undefined;
      stdin.consumed = true;
      try {
        return emptyAsUndefined(await readStream(createReadStream('', { fd: 0, autoClose: false }), limit));
      } catch (error) {
        // A non-blocking stdin (set so by whoever started us) cannot be read from the thread pool.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        return emptyAsUndefined(await readStream(process.stdin, limit));
      }
    }
  }
}

function emptyAsUndefined(text: string): string | undefined {
  return text === '' ? undefined : text;
}

export async function readStream(stream: Readable, limit = Infinity): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.length;
    // Leaving the loop destroys the stream, so its writer stops (EPIPE, as `| head` does).
    if (total > limit) throw new InputOverLimit(limit);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function readFdSync(fd: number, limit: number): string {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(65536);
  let total = 0;
  for (;;) {
    const count = readSync(fd, buffer, 0, buffer.length, null);
    if (count === 0) break;
    total += count;
    if (total > limit) throw new InputOverLimit(limit);
    chunks.push(Buffer.from(buffer.subarray(0, count)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a non-blocking descriptor to its end, waiting a moment whenever it has nothing yet. */
async function readPolledFd(fd: number, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(65536);
  let total = 0;
  for (;;) {
    const count = readAvailable(fd, buffer);
    if (count === 0) break;
    if (count === undefined) {
      await sleep(POLL_MS);
      continue;
    }
    total += count;
    if (total > limit) throw new InputOverLimit(limit);
    chunks.push(Buffer.from(buffer.subarray(0, count)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** How long a reader of a non-blocking descriptor waits before it looks again. */
export const POLL_MS = 5;

/** What a read of a non-blocking descriptor gives now: a byte count (0 at the end), or undefined when nothing is there yet. */
export function readAvailable(fd: number, buffer: Buffer, length = buffer.length): number | undefined {
  try {
    return readSync(fd, buffer, 0, length, null);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') return undefined;
    if (code === 'EOF') return 0;
    throw error;
  }
}

/** Lets a stage that does not read its input release it, so the writer stops (as SIGPIPE would). */
export function releaseSource(source: Source): void {
  if (source.kind === 'stream' && !source.shared && !source.stream.destroyed) source.stream.destroy();
}
