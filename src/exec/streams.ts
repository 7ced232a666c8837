/**
 * The ends of the pipes between stages. A `Source` is what a stage reads, a
 * `Sink` where it writes: an OS file descriptor (aish's own stdio, a file, a
 * pipe between two children) or a JS stream. JS stages write through a
 * `SinkWriter` that waits for drain (back-pressure) and notices when the
 * reader has gone.
 */
import { createReadStream, readSync, writeSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { StdinState } from './context.js';

export type Source =
  | { kind: 'stdin' }
  | { kind: 'none' }
  | { kind: 'text'; text: string }
  | { kind: 'fd'; fd: number }
  | { kind: 'stream'; stream: Readable };

export type Sink = { kind: 'fd'; fd: number } | { kind: 'stream'; stream: Writable } | { kind: 'discard' };

/** The reader of a pipe went away (`| head`): not a failure, the writer just stops. */
export class ReaderGone extends Error {
  override readonly name = 'ReaderGone';
}

/** Writes to a sink with back-pressure; counts bytes; throws `ReaderGone` on EPIPE. */
export class SinkWriter {
  bytes = 0;
  /** The last character written, for the "end with a newline" rule. */
  lastChar = '';
  private gone = false;

  constructor(
    private readonly sink: Sink,
    private readonly isClosed: () => boolean = () => false,
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

  /** True when writes reach aish's own stdout/stderr, a file, or a pipe outside aish. */
  get final(): boolean {
    return this.sink.kind === 'fd';
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
    if (this.sink.kind === 'discard') return;
    const stream = this.stream();
    if (!stream) {
      writeAllSync((this.sink as { fd: number }).fd, text);
      return;
    }
    if (stream.destroyed) throw new ReaderGone();
    if (!stream.write(text)) await waitForDrain(stream);
    if (this.gone) throw new ReaderGone();
  }

  /** Ends a JS stream sink (never aish's own stdout/stderr or a file fd, which their owners close). */
  async end(): Promise<void> {
    if (this.sink.kind !== 'stream') return;
    const stream = this.sink.stream;
    if (stream.destroyed || stream.writableEnded) return;
    await new Promise<void>((resolve) => {
      stream.end(resolve);
      stream.once('error', () => resolve());
    });
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

/**
 * Reads a whole source as text for a stage that needs all of it (an AI stage,
 * a fan-out). Undefined means "no input": nothing piped, a terminal, or zero
 * bytes (language.md §4).
 */
export async function readSource(source: Source, stdin: StdinState): Promise<string | undefined> {
  switch (source.kind) {
    case 'none':
      return undefined;
    case 'text':
      return source.text;
    case 'fd':
      return emptyAsUndefined(readFdSync(source.fd));
    case 'stream':
      return emptyAsUndefined(await readStream(source.stream));
    case 'stdin': {
      if (stdin.isTTY || stdin.isScript || stdin.consumed) return undefined;
      stdin.consumed = true;
      try {
        return emptyAsUndefined(await readStream(createReadStream('', { fd: 0, autoClose: false })));
      } catch (error) {
        // A non-blocking stdin (set so by whoever started us) cannot be read from the thread pool.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        return emptyAsUndefined(await readStream(process.stdin));
      }
    }
  }
}

function emptyAsUndefined(text: string): string | undefined {
  return text === '' ? undefined : text;
}

export async function readStream(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function readFdSync(fd: number): string {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(65536);
  for (;;) {
    const count = readSync(fd, buffer, 0, buffer.length, null);
    if (count === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, count)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Lets a stage that does not read its input release it, so the writer stops (as SIGPIPE would). */
export function releaseSource(source: Source): void {
  if (source.kind === 'stream' && !source.stream.destroyed) source.stream.destroy();
}
