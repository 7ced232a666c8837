/**
 * Unix commands as child processes, wired as sh wires them: file descriptors
 * (aish's stdio, files, pipes between children) are handed over as they are;
 * a JS stream on either side is bridged through a real OS pipe, so a writer
 * whose reader left early ends quietly by SIGPIPE, as in sh.
 */
import type { ChildProcess, IOType, StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { ExecContext } from './context.js';
import { closeFd, createOsPipe, pipeReader, pipeWriter } from './os-pipe.js';
import { childProcess } from './process-support.js';
import type { Sink, Source } from './streams.js';

type StdioEntry = IOType | number;

/** How long a child has after SIGINT on cancel before it is killed. */
const KILL_GRACE_MS = 2000;

/** Starts a child; resolves with its status once it exited and its output was delivered. */
export function startUnix(path: string, argv: string[], source: Source, stdout: Sink, stderr: Sink, context: ExecContext, env?: NodeJS.ProcessEnv): Promise<number> {
  const bridges = new Bridges();
  const stdio: StdioEntry[] = [bridges.input(source, context), bridges.output(stdout, 1), bridges.output(stderr, 2)];
  let child: ChildProcess;
  try {
    child = childProcess().spawn(path, argv.slice(1), { stdio: stdio as StdioOptions, argv0: argv[0], ...(env && { env }) });
  } catch (error) {
    bridges.abandon();
    return Promise.resolve(reportSpawnError(argv[0]!, error, context));
  }
  context.children.add(child);
  bridges.started(child);
  return new Promise<number>((resolve) => {
    let spawnError: unknown;
    child.once('error', (error) => {
      spawnError = error;
    });
    child.once('close', (code, signal) => {
      context.children.delete(child);
      if (spawnError && code === null && signal === null) {
        bridges.abandon();
        return resolve(reportSpawnError(argv[0]!, spawnError, context));
      }
      const status = code ?? 128 + (constants.signals[signal as keyof typeof constants.signals] ?? 0);
      resolve(bridges.delivered().then(() => status));
    });
  });
}

/** The OS pipes that connect one child to JS streams, and the copying through them. */
class Bridges {
  /** Our copies of the child's pipe ends: closed once it has its own. */
  private childEnds: number[] = [];
  private copies: Promise<void>[] = [];
  private outputs = new Map<Writable, number>();
  /** JS streams fed from the child's own stdout/stderr pipes (when no OS pipe could be made), by stdio index. */
  private drains = new Map<Writable, (1 | 2)[]>();
  private text: string | undefined;
  private feed: Readable | undefined;

  input(source: Source, context: ExecContext): StdioEntry {
    switch (source.kind) {
      case 'none':
        return 'ignore';
      case 'fd':
        return source.fd;
      case 'text':
        // sh's here-strings end with a newline; a child reads lines.
        this.text = source.text.endsWith('\n') || source.text === '' ? source.text : source.text + '\n';
        return 'pipe';
      case 'stream': {
        const pipe = createOsPipe();
        if (!pipe) {
          this.feed = source.stream;
          return 'pipe';
        }
        this.childEnds.push(pipe.readFd);
        this.copies.push(copy(source.stream, pipeWriter(pipe.writeFd), true));
        return pipe.readFd;
      }
      case 'stdin': {
        const { stdin } = context;
        if (stdin.isScript || (stdin.consumed && !stdin.isTTY)) return 'ignore';
        if (!stdin.isTTY) stdin.consumed = true;
        return 0;
      }
    }
  }

  output(sink: Sink, index: 1 | 2): StdioEntry {
    if (sink.kind === 'fd') return sink.fd;
    if (sink.kind === 'discard') return 'ignore';
    // `2>&1` into a JS stream: both descriptors share one pipe.
    const known = this.outputs.get(sink.stream);
    if (known !== undefined) return known;
    const drained = this.drains.get(sink.stream);
    if (drained) {
      drained.push(index);
      return 'pipe';
    }
    const pipe = createOsPipe();
    if (!pipe) {
      // Node's own pipe: a reader leaving early is EPIPE rather than SIGPIPE, but the data flows.
      this.drains.set(sink.stream, [index]);
      return 'pipe';
    }
    this.outputs.set(sink.stream, pipe.writeFd);
    this.childEnds.push(pipe.writeFd);
    this.copies.push(copy(pipeReader(pipe.readFd), sink.stream, !sink.shared));
    return pipe.writeFd;
  }

  started(child: ChildProcess): void {
    this.closeChildEnds();
    child.stdin?.on('error', () => {});
    if (this.text !== undefined) child.stdin?.end(this.text);
    if (this.feed && child.stdin) this.copies.push(copy(this.feed, child.stdin, true));
    for (const [sink, indexes] of this.drains) {
      const sources = indexes.map((index) => (index === 1 ? child.stdout : child.stderr)).filter((stream): stream is Readable => stream !== null);
      this.copies.push(Promise.all(sources.map((source) => copy(source, sink, false))).then(() => endAndFinish(sink)));
    }
  }

  abandon(): void {
    this.closeChildEnds();
  }

  private closeChildEnds(): void {
    for (const fd of this.childEnds) closeFd(fd);
    this.childEnds = [];
  }

  delivered(): Promise<void> {
    return Promise.all(this.copies).then(() => undefined);
  }
}

/**
 * Copies `from` into `to` with back-pressure. When `to` goes away first,
 * `from` is destroyed (a writing child then gets SIGPIPE). Resolves when
 * `from` is done and, with `end`, `to` has taken everything.
 */
export function copy(from: Readable, to: Writable, end: boolean): Promise<void> {
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
      // A write that failed just before `end` (EPIPE: the reader left) emits its error on
      // the next tick; a destination we own must still have a listener then, or aish crashes.
      if (end) to.on('error', () => {});
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

/** Stops the children of a cancelled line: the signal aish got (SIGINT for Ctrl-C) first, SIGKILL if they linger. */
export function stopChildren(children: Iterable<ChildProcess>, signal: NodeJS.Signals = 'SIGINT'): void {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill(signal);
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, KILL_GRACE_MS).unref();
  }
}
