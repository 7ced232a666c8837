/**
 * One line at a time from a stage's input, for `read`: what is not part of
 * the line stays for whoever reads next (the next `read`, or a command in the
 * loop body), as sh's byte-at-a-time read leaves it. A file or pipe
 * descriptor is read a byte at a time (its offset is shared with children); a
 * JS stream gets back what followed the newline (`unshift`); a here-string or
 * here-document keeps a cursor.
 */
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StdinState } from './context.js';
import { POLL_MS, readAvailable, type Source } from './streams.js';

/** A line without its newline; `complete` is false when the input ended before a newline. */
export interface Line {
  text: string;
  complete: boolean;
}

const textCursors = new WeakMap<Source, number>();

/** The next line of `source`, or undefined at the end of input. */
export async function readLine(source: Source, stdin: StdinState, signal?: AbortSignal): Promise<Line | undefined> {
  switch (source.kind) {
    case 'none':
      return undefined;
    case 'text':
      return readTextLine(source);
    case 'fd':
      return readFdLine(source.poll ?? source.fd, signal);
    case 'stdin':
      return stdin.isScript ? undefined : readFdLine(0, signal);
    case 'stream':
      return readStreamLine(source.stream);
  }
}

function readTextLine(source: Extract<Source, { kind: 'text' }>): Line | undefined {
  // A here-string ends with a newline, as in sh.
  const text = source.text.endsWith('\n') || source.text === '' ? source.text : source.text + '\n';
  const at = textCursors.get(source) ?? 0;
  if (at >= text.length) return undefined;
  const newline = text.indexOf('\n', at);
  textCursors.set(source, newline + 1);
  return { text: text.slice(at, newline), complete: true };
}

async function readFdLine(fd: number, signal: AbortSignal | undefined): Promise<Line | undefined> {
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  for (;;) {
    const count = readAvailable(fd, one);
    if (count === undefined) {
      // A non-blocking descriptor with nothing yet: wait a little and look again (Ctrl-C ends the wait).
      if (signal?.aborted) return undefined;
      await sleep(POLL_MS);
      continue;
    }
    if (count === 0) return bytes.length > 0 ? { text: Buffer.from(bytes).toString('utf8'), complete: false } : undefined;
    if (one[0] === 10) return { text: Buffer.from(bytes).toString('utf8'), complete: true };
    bytes.push(one[0]!);
  }
}

async function readStreamLine(stream: Readable): Promise<Line | undefined> {
  const chunks: Buffer[] = [];
  const joined = (): string => Buffer.concat(chunks).toString('utf8');
  for (;;) {
    const chunk = stream.destroyed ? null : (stream.read() as Buffer | string | null);
    if (chunk === null) {
      if (stream.readableEnded || stream.destroyed) return chunks.length > 0 ? { text: joined(), complete: false } : undefined;
      await more(stream);
      continue;
    }
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const newline = buffer.indexOf(10);
    if (newline === -1) {
      chunks.push(buffer);
      continue;
    }
    chunks.push(buffer.subarray(0, newline));
    if (newline + 1 < buffer.length) stream.unshift(buffer.subarray(newline + 1));
    return { text: joined(), complete: true };
  }
}

function more(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('readable', done);
      stream.off('end', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('readable', done);
    stream.on('end', done);
    stream.on('close', done);
  });
}
