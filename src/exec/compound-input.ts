/**
 * The input of a compound command, shared by the commands inside it as sh
 * shares one descriptor. A JS stream (a pipe from another stage) or a
 * here-document is copied once into a real pipe: a Unix command in the body
 * then reads only what it reads (`/bin/true` nothing, `head -n1` a line) and
 * `read` takes one line, instead of each child being fed, and swallowing, the
 * rest of the input. aish reads its side through the pipe's non-blocking
 * descriptor, because the writer is aish itself.
 */
import { Readable } from 'node:stream';
import { closeFd, createPolledPipe, pipeWriter } from './os-pipe.js';
import { shared, type Source } from './streams.js';
import { copy } from './unix.js';

export interface CompoundInput {
  source: Source;
  /** Closes aish's read ends once the compound command is over (a writer still going then stops, as by SIGPIPE). */
  close(): void;
}

export function compoundInput(source: Source): CompoundInput {
  const from = source.kind === 'stream' ? source.stream : source.kind === 'text' ? Readable.from([source.text]) : undefined;
  const pipe = from && createPolledPipe();
  // Without FIFOs the stream is shared as it is (children then each get what is left).
  if (!from || !pipe) return { source: shared(source), close: () => {} };
  const writer = pipeWriter(pipe.writeFd);
  writer.on('error', () => {});
  void copy(from, writer, true);
  return {
    source: { kind: 'fd', fd: pipe.readFd, poll: pipe.pollFd },
    close: () => {
      closeFd(pipe.readFd);
      closeFd(pipe.pollFd);
    },
  };
}
