/**
 * Real OS pipes for child processes. Node's `stdio: 'pipe'` is a socket pair,
 * and a writer whose reader left early on a socket gets "Connection reset by
 * peer" instead of the quiet SIGPIPE that `yes | head -1` relies on in sh.
 * Node has no pipe(2), so each pipe is a FIFO opened at both ends and then
 * unlinked; FIFOs are made in batches by one `mkfifo` call. `mkfifo` is looked
 * for once, in the system folders before PATH (a PATH without it must not
 * change how pipes work); without it, callers fall back to Node's own pipes.
 */
import { accessSync, closeSync, constants, mkdtempSync, openSync, rmSync, unlinkSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childProcess } from './process-support.js';

export interface OsPipe {
  readFd: number;
  writeFd: number;
}

const BATCH = 8;
let folder: string | undefined;
let made = 0;
const spare: string[] = [];

/** Where `mkfifo` is: undefined before the first look, null when there is none. */
let mkfifo: string | null | undefined;

function findMkfifo(): string | null {
  const candidates = ['/usr/bin/mkfifo', '/bin/mkfifo', ...(process.env.PATH ?? '').split(':').filter(Boolean).map((folder) => join(folder, 'mkfifo'))];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function nextFifo(): string | undefined {
  if (spare.length === 0) {
    mkfifo ??= findMkfifo();
    if (mkfifo === null) return undefined;
    if (!folder) {
      try {
        folder = mkdtempSync(join(tmpdir(), 'aish-pipes-'));
      } catch {
        // No writable temporary folder: Node's pipes from now on.
        mkfifo = null;
        return undefined;
      }
      const created = folder;
      process.once('exit', () => rmSync(created, { recursive: true, force: true }));
    }
    const paths = Array.from({ length: BATCH }, () => join(folder!, `p${made++}`));
    const result = childProcess().spawnSync(mkfifo, ['-m', '600', ...paths], { stdio: 'ignore' });
    if (result.status !== 0) {
      // Not usable here (a read-only temporary folder …): Node's pipes from now on.
      mkfifo = null;
      return undefined;
    }
    spare.push(...paths);
  }
  return spare.pop();
}

/** A pipe with blocking ends (as children expect), or undefined if FIFOs cannot be made here. */
export function createOsPipe(): OsPipe | undefined {
  const pipe = openFifo();
  if (!pipe) return undefined;
  closeSync(pipe.pollFd);
  return { readFd: pipe.readFd, writeFd: pipe.writeFd };
}

/**
 * A pipe whose read side has two descriptors: a blocking one for children and
 * a non-blocking one (`pollFd`) that aish reads from itself, a byte at a time
 * when it must (`read`), without stalling the event loop that may be the
 * pipe's writer. Both read the same pipe, so what one takes the other does not see.
 */
export function createPolledPipe(): (OsPipe & { pollFd: number }) | undefined {
  return openFifo();
}

function openFifo(): (OsPipe & { pollFd: number }) | undefined {
  const path = nextFifo();
  if (!path) return undefined;
  // Opening a FIFO blocks until the other end is open: open a non-blocking reader
  // first, then the writer, then the real (blocking) reader.
  const pollFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = openSync(path, constants.O_WRONLY);
  const readFd = openSync(path, constants.O_RDONLY);
  unlinkSync(path);
  return { readFd, writeFd, pollFd };
}

/** Our end of a pipe as a stream (event-driven; the child's end keeps its own blocking mode). */
export function pipeReader(fd: number): Socket {
  return new Socket({ fd, readable: true, writable: false });
}

export function pipeWriter(fd: number): Socket {
  return new Socket({ fd, readable: false, writable: true });
}

export function closeFd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
