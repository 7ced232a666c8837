/**
 * Redirects of one stage, applied in the order written on top of the pipe
 * (as in sh: `cmd 2>&1 | next` sends stderr into the pipe, `a > f | b`
 * gives b nothing). `>` writes to a temporary file beside the target and
 * renames it into place only when the stage succeeds, so a failure never
 * leaves a half-written file; `>>` appends what was received.
 */
import { closeSync, constants, lstatSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Redirect } from '../plan/index.js';
import type { Sink, Source } from './streams.js';

/** A redirect with its words expanded and its file opened. */
export type ReadyRedirect =
  | { kind: 'input'; source: Source }
  | { kind: 'stdout' | 'stderr'; file: OpenFile }
  | { kind: 'dup'; operator: '2>&1' | '>&2' };

export interface OpenFile {
  fd: number;
  path: string;
  /** Set for `>` to a regular file: written here, renamed to `path` on success. */
  temp?: string;
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
          const path = await expand(redirect.target);
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
  if (append || !isRegularOrMissing(path)) return openInPlace(path, append);
  const temp = join(dirname(path), `.${basename(path)}.aish-${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
  return { fd: openFile(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL), path, temp, append };
}

/** `/dev/null`, a FIFO or a terminal is written in place: it cannot be renamed over. */
function isRegularOrMissing(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return true;
  }
}

export function describeErrno(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'Permission denied';
  if (code === 'EISDIR') return 'Is a directory';
  if (code === 'ENOTDIR') return 'Not a directory';
  return (error as Error).message;
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
 * Closes the stage's files. `>` files are renamed into place when `success`,
 * else removed. Returns the paths of `>` targets left unchanged and of `>>`
 * files that got a cut-short answer, for the stage to report.
 */
export function closeRedirects(ready: readonly ReadyRedirect[], success: boolean): { unchanged: string[]; appended: string[] } {
  const report = { unchanged: [] as string[], appended: [] as string[] };
  for (const redirect of ready) {
    if (redirect.kind === 'input' && redirect.source.kind === 'fd') closeQuietly(redirect.source.fd);
    if (redirect.kind !== 'stdout' && redirect.kind !== 'stderr') continue;
    const { file } = redirect;
    closeQuietly(file.fd);
    if (file.temp) {
      if (success) {
        renameSync(file.temp, file.path);
      } else {
        unlinkQuietly(file.temp);
        if (redirect.kind === 'stdout') report.unchanged.push(file.path);
      }
    } else if (!success && file.append && redirect.kind === 'stdout') {
      report.appended.push(file.path);
    }
  }
  return report;
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
