/**
 * `aish serve --workers N`: N processes on one port through node's cluster
 * module, for the cores of one machine. The primary only forks, watches and
 * stops the workers; each worker is a whole `aish serve` (the same argv) that
 * shares rate limits, stream slots, session locks and statuses with the
 * others through Redis, and the database through the SQLite file or
 * PostgreSQL. The primary says once where they serve.
 */
import cluster, { type Worker } from 'node:cluster';

/** What a worker tells the primary once it listens. */
interface Listening {
  aish: 'serving';
  serving: string;
}

/** A worker restarted this many times within a minute is given up on (a crash at start would loop forever). */
const MAX_RESTARTS_PER_MINUTE = 5;

/** In a worker: tells the primary what it serves (the primary prints it once). */
export function tellPrimary(serving: string): void {
  process.send?.({ aish: 'serving', serving } satisfies Listening);
}

/**
 * In the primary: forks `count` workers, prints one line once all listen,
 * replaces a worker that dies (unless it keeps dying), and on SIGTERM, SIGINT
 * or SIGHUP asks each to drain and resolves with 0 once all have ended. A
 * worker that fails to start (its own message is on stderr) ends the whole
 * server with its status.
 */
export function serveWithWorkers(count: number, options: { quiet: boolean; graceMs: number }): Promise<number> {
  return new Promise((done) => {
    let stopping = false;
    let listening = 0;
    let announced = false;
    let firstFailure: number | undefined;
    const restarts: number[] = [];
    const fork = (): Worker => {
      const worker = cluster.fork();
      worker.on('message', (message: Partial<Listening>) => {
        if (message?.aish !== 'serving') return;
        listening++;
        if (listening < count || announced) return;
        announced = true;
        process.stderr.write(`aish: serving ${message.serving} with ${count} workers\n`);
      });
      return worker;
    };
    /** Stops every worker; `said` is false when a worker failed (it said why) rather than a signal asking. */
    const stop = (said = true): void => {
      if (stopping) return;
      stopping = true;
      if (said && !options.quiet) process.stderr.write('aish: shutting down\n');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
      // Workers drain for `graceMs`; one that does not end soon after is killed.
      setTimeout(() => {
        for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      }, options.graceMs + 5000).unref();
    };
    cluster.on('exit', (worker, code) => {
      const alive = Object.keys(cluster.workers ?? {}).length;
      if (stopping || !announced) {
        // Before all listen, a worker that ends failed to start (bad Redis, port in use): stop them all.
        if (!stopping && code !== 0) {
          firstFailure ??= code ?? 1;
          stop(false);
        }
        if (alive === 0) done(firstFailure ?? 0);
        return;
      }
      const now = Date.now();
      restarts.push(now);
      while (restarts.length && restarts[0]! < now - 60_000) restarts.shift();
      if (restarts.length > MAX_RESTARTS_PER_MINUTE) {
        process.stderr.write(`aish: serve: worker ${worker.process.pid} ended (status ${code}); workers keep ending, stopping\n`);
        firstFailure = 1;
        stop(false);
        if (alive === 0) done(1);
        return;
      }
      process.stderr.write(`aish: serve: worker ${worker.process.pid} ended (status ${code}); starting another\n`);
      listening--;
      fork();
    });
    for (let index = 0; index < count; index++) fork();
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => stop());
  });
}
