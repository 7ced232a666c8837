/**
 * Unix commands as child processes, wired as sh wires them: OS pipes and
 * files are handed to the child as file descriptors; only a JS stage on the
 * other side of a pipe means data passes through aish. A reader that leaves
 * early ends the writer as SIGPIPE would.
 */
import { spawn, type ChildProcess, type IOType, type StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import { PassThrough, type Readable, type Stream, type Writable } from 'node:stream';
import type { ExecContext } from './context.js';
import type { Sink, Source } from './streams.js';

export interface StartedUnix {
  /** The child's stdin pipe, offered to the stage before it (when the source was `upstream`). */
  upstream: Sink | undefined;
  done: Promise<number>;
}

/** `upstream` as a source means "the previous stage writes into this child's stdin". */
export type UnixSource = Source | { kind: 'upstream' };

type StdioEntry = IOType | number | Stream;

/** How long a child has after SIGINT on cancel before it is killed. */
const KILL_GRACE_MS = 2000;

export function startUnix(path: string, argv: string[], source: UnixSource, stdout: Sink, stderr: Sink, context: ExecContext): StartedUnix {
  const stdin = stdinEntry(source, context);
  const stdio: StdioEntry[] = [stdin, outputEntry(stdout), outputEntry(stderr)];
  let child: ChildProcess;
  try {
    child = spawn(path, argv.slice(1), { stdio: stdio as StdioOptions, argv0: argv[0] });
  } catch (error) {
    return { upstream: undefined, done: Promise.resolve(reportSpawnError(argv[0]!, error, context)) };
  }
  context.children.add(child);
  // The child holds its own copies of shared pipe ends; ours must close so EOF and SIGPIPE reach it.
  for (const sink of [stdout, stderr]) if (sink.kind === 'stream' && sink.shareable) sink.stream.destroy();
  child.stdin?.on('error', () => {});
  if (source.kind === 'text') child.stdin?.end(source.text.endsWith('\n') || source.text === '' ? source.text : source.text + '\n');
  if (source.kind === 'stream' && child.stdin) pump(source.stream, child.stdin, true);
  const pumps = pumpOutputs(child, stdout, stderr);
  const done = new Promise<number>((resolve) => {
    let spawnError: unknown;
    child.once('error', (error) => {
      spawnError = error;
    });
    child.once('close', (code, signal) => {
      context.children.delete(child);
      if (spawnError && code === null && signal === null) return resolve(reportSpawnError(argv[0]!, spawnError, context));
      resolve(pumps.then(() => (code ?? 128 + (constants.signals[signal as keyof typeof constants.signals] ?? 0))));
    });
  });
  const upstream: Sink | undefined =
    source.kind === 'upstream' && child.stdin ? { kind: 'stream', stream: child.stdin, shareable: true } : undefined;
  return { upstream, done };
}

function stdinEntry(source: UnixSource, context: ExecContext): StdioEntry {
  switch (source.kind) {
    case 'none':
      return 'ignore';
    case 'fd':
      return source.fd;
    case 'text':
    case 'stream':
    case 'upstream':
      return 'pipe';
    case 'stdin': {
      const { stdin } = context;
      if (stdin.isScript || (stdin.consumed && !stdin.isTTY)) return 'ignore';
      if (!stdin.isTTY) stdin.consumed = true;
      return 0;
    }
  }
}

function outputEntry(sink: Sink): StdioEntry {
  if (sink.kind === 'fd') return sink.fd;
  if (sink.kind === 'discard') return 'ignore';
  return sink.shareable ? sink.stream : 'pipe';
}

/** Copies the child's piped stdout/stderr into JS sinks; ends a sink when all its writers are done. */
function pumpOutputs(child: ChildProcess, stdout: Sink, stderr: Sink): Promise<void> {
  const jobs: Promise<void>[] = [];
  const streamOf = (sink: Sink): Writable | undefined => (sink.kind === 'stream' && !sink.shareable ? sink.stream : undefined);
  const out = streamOf(stdout);
  const err = streamOf(stderr);
  if (out && err === out) {
    const both = [child.stdout, child.stderr].filter((s): s is Readable => s !== null);
    jobs.push(Promise.all(both.map((s) => pump(s, out, false))).then(() => endAndFinish(out)));
  } else {
    if (out && child.stdout) jobs.push(pump(child.stdout, out, true));
    if (err && child.stderr) jobs.push(pump(child.stderr, err, true));
  }
  return Promise.all(jobs).then(() => undefined);
}

/**
 * Pipes `from` into `to` with back-pressure. When `to` goes away first, `from`
 * is destroyed (the writing child then gets SIGPIPE). Resolves when `from`
 * is done and, with `end`, `to` has taken everything.
 */
export function pump(from: Readable, to: Writable, end: boolean): Promise<void> {
  return new Promise((resolve) => {
    const onGone = (): void => {
      from.unpipe(to);
      from.destroy();
      resolve();
    };
    to.once('close', onGone);
    to.once('error', onGone);
    from.once('error', () => resolve());
    from.once('end', () => {
      to.off('close', onGone);
      to.off('error', onGone);
      if (end) endAndFinish(to).then(resolve);
      else resolve();
    });
    from.pipe(to, { end: false });
  });
}

function endAndFinish(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableFinished) return resolve();
    stream.once('error', () => resolve());
    stream.once('close', () => resolve());
    stream.end(() => resolve());
  });
}

function reportSpawnError(name: string, error: unknown, context: ExecContext): number {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    context.reporter.error(`aish: ${name}: command not found`);
    return 127;
  }
  context.reporter.error(`aish: ${name}: ${code === 'EACCES' ? 'permission denied' : (error as Error).message}`);
  return 126;
}

/** Stops the children of a cancelled line: SIGINT first, SIGKILL if they linger. */
export function stopChildren(children: Iterable<ChildProcess>): void {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGINT');
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, KILL_GRACE_MS).unref();
  }
}

/** A pipe end for a JS stage that reads from the stage before it. */
export function newPipe(): PassThrough {
  return new PassThrough();
}
