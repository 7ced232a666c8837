/**
 * Redirects of one stage, applied in the order written on top of the pipe
 * (as in sh: `cmd 2>&1 | next` sends stderr into the pipe, `a > f | b`
 * gives b nothing).
 *
 * `>` to a regular file keeps both of sh's promises and ours: the user's file
 * is opened (or created, with the umask's mode) up front, so errors name it
 * and it stays the same file (inode, mode, owner, hard links); the stage
 * writes into a private temporary file that is unlinked as soon as it is
 * opened (nothing is left behind if aish is killed), and only when the stage
 * succeeds is the user's file truncated and the whole output copied in. On
 * failure the old content stays, and a file the redirect created is removed.
 * `>>` appends what was received.
 */
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Redirect } from '../plan/index.js';
import { TextFileTooLarge } from '../protocol/index.js';
import type { Sink, Source } from './streams.js';

/** A redirect with its words expanded and its file opened. */
export type ReadyRedirect =
  | { kind: 'input'; source: Source }
  | { kind: 'stdout' | 'stderr'; file: OpenFile }
  | { kind: 'dup'; operator: '2>&1' | '>&2' };

export interface OpenFile {
  /** Where the stage writes: the user's file itself, or the temporary copy. */
  fd: number;
  path: string;
  /** Set for `>` to a regular file: the user's file, written from `fd` on success. */
  target?: { fd: number; created: boolean };
  append: boolean;
}

export interface StageEnds {
  source: Source;
  stdout: Sink;
  stderr: Sink;
}

/** Thrown when a redirect cannot be set up; the stage does not run. */
export class RedirectError extends Error {
  override readonly name = 'RedirectError';
}

/** Opens the files of a stage's redirects. `expand` gives each word's text. */
export async function prepareRedirects(
  redirects: readonly Redirect[],
  expand: (word: Extract<Redirect, { kind: 'here-string' }>['word']) => Promise<string>,
  /** A file name (globbed when it matches exactly one file); `expand` by default. */
  target: (word: Extract<Redirect, { kind: 'here-string' }>['word']) => Promise<string> = expand,
): Promise<ReadyRedirect[]> {
  const ready: ReadyRedirect[] = [];
  try {
    for (const redirect of redirects) {
      switch (redirect.kind) {
        case 'here-string':
          ready.push({ kind: 'input', source: { kind: 'text', text: await expand(redirect.word) } });
          break;
        case 'here-doc':
          ready.push({ kind: 'input', source: { kind: 'text', text: await expand(redirect.body) } });
          break;
        case 'dup-redirect':
          ready.push({ kind: 'dup', operator: redirect.operator });
          break;
        case 'file-redirect': {
          const path = await target(redirect.target);
          if (redirect.operator === '<') ready.push({ kind: 'input', source: { kind: 'fd', fd: openFile(path, constants.O_RDONLY) } });
          else if (redirect.operator === '>' || redirect.operator === '>>') ready.push({ kind: 'stdout', file: openOutput(path, redirect.operator === '>>') });
          // stderr is written in place: an error report is most wanted when the stage fails.
          else ready.push({ kind: 'stderr', file: openInPlace(path, redirect.operator === '2>>') });
        }
      }
    }
  } catch (error) {
    closeRedirects(ready, false);
    throw error;
  }
  return ready;
}

function openFile(path: string, flags: number, mode = 0o666): number {
  if (path === '') throw new RedirectError('ambiguous redirect: the file name is empty');
  try {
    return openSync(path, flags, mode);
  } catch (error) {
    throw new RedirectError(`${path}: ${describeErrno(error)}`);
  }
}

function openInPlace(path: string, append: boolean): OpenFile {
  const flags = constants.O_WRONLY | constants.O_CREAT | (append ? constants.O_APPEND : constants.O_TRUNC);
  return { fd: openFile(path, flags), path, append };
}

function openOutput(path: string, append: boolean): OpenFile {
  if (append) return openInPlace(path, append);
  const { fd: targetFd, created } = openTarget(path);
  // `/dev/null`, a FIFO or a terminal is written in place: there is nothing to keep whole.
  if (!fstatSync(targetFd).isFile()) return { fd: targetFd, path, append };
  try {
    return { fd: openHiddenTemp(path), path, target: { fd: targetFd, created }, append };
  } catch (error) {
    closeQuietly(targetFd);
    if (created) unlinkQuietly(path);
    throw new RedirectError(`${path}: cannot make a temporary copy to write into: ${describeErrno(error)}`);
  }
}

/** Opens (or creates) the user's file without truncating it, noting whether it was created. */
function openTarget(path: string): { fd: number; created: boolean } {
  try {
    return { fd: openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o666), created: true };
  } catch {
    // It exists (or cannot be created): open it as sh would, and let that error name it.
    return { fd: openFile(path, constants.O_WRONLY | constants.O_CREAT), created: false };
  }
}

/**
 * A private (0600) temporary file, unlinked at once: beside the target (same
 * file system, so the space is where the output is going), else in the
 * system's temporary folder when the target's folder is not writable.
 */
function openHiddenTemp(path: string): number {
  const name = `.${basename(path)}.aish-${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;
  let lastError: unknown;
  for (const folder of [dirname(path), tmpdir()]) {
    const temp = join(folder, name);
    try {
      const fd = openSync(temp, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
      unlinkSync(temp);
      return fd;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/** The C library's wording for the errors a user meets with files, as sh prints them. */
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Permission denied',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  ENOSPC: 'No space left on device',
  EDQUOT: 'Disk quota exceeded',
  EROFS: 'Read-only file system',
  EFBIG: 'File too large',
  EIO: 'Input/output error',
  EPIPE: 'Broken pipe',
};

export function describeErrno(error: unknown): string {
  if (error instanceof TextFileTooLarge) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  return (code && ERRNO_TEXT[code]) ?? (error as Error).message;
}

/** The stage's ends after its redirects, starting from the pipe ends it was given. */
export function applyRedirects(ready: readonly ReadyRedirect[], ends: StageEnds): StageEnds {
  const out = { ...ends };
  for (const redirect of ready) {
    switch (redirect.kind) {
      case 'input':
        out.source = redirect.source;
        break;
      case 'stdout':
        out.stdout = { kind: 'fd', fd: redirect.file.fd };
        break;
      case 'stderr':
        out.stderr = { kind: 'fd', fd: redirect.file.fd };
        break;
      case 'dup':
        if (redirect.operator === '2>&1') out.stderr = out.stdout;
        else out.stdout = out.stderr;
    }
  }
  return out;
}

/**
 * Closes the stage's files. On success a `>` target gets the whole output
 * copied in; on failure it keeps its old content (or is removed if the
 * redirect created it). Returns the paths of `>` targets left unchanged, of
 * `>>` files that got a cut-short answer, and the errors met while copying.
 */
export function closeRedirects(
  ready: readonly ReadyRedirect[],
  success: boolean,
): { unchanged: string[]; appended: string[]; failed: string[] } {
  const report = { unchanged: [] as string[], appended: [] as string[], failed: [] as string[] };
  for (const redirect of ready) {
    if (redirect.kind === 'input' && redirect.source.kind === 'fd') closeQuietly(redirect.source.fd);
    if (redirect.kind !== 'stdout' && redirect.kind !== 'stderr') continue;
    const { file } = redirect;
    if (file.target) {
      if (success) {
        try {
          copyInto(file.fd, file.target.fd);
        } catch (error) {
          report.failed.push(`${file.path}: write error: ${describeErrno(error)}`);
        }
      } else {
        if (file.target.created) unlinkQuietly(file.path);
        else if (redirect.kind === 'stdout') report.unchanged.push(file.path);
      }
      closeQuietly(file.target.fd);
    } else if (!success && file.append && redirect.kind === 'stdout') {
      report.appended.push(file.path);
    }
    closeQuietly(file.fd);
  }
  return report;
}

/** Truncates `to` and writes all of `from` into it (both are regular files). */
function copyInto(from: number, to: number): void {
  const size = fstatSync(from).size;
  const buffer = Buffer.allocUnsafe(Math.min(Math.max(size, 1), 1 << 20));
  ftruncateSync(to, 0);
  for (let position = 0; position < size; ) {
    const read = readSync(from, buffer, 0, Math.min(buffer.length, size - position), position);
    if (read === 0) break;
    for (let written = 0; written < read; ) written += writeSync(to, buffer, written, read - written, position + written);
    position += read;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
