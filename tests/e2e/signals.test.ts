/**
 * SIGTERM and SIGHUP end aish as Ctrl-C ends a line: its children are
 * stopped, no temporary file or FIFO folder stays behind, the cut exchange is
 * logged, and the status is 128 + the signal's number.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAish, startAish, tempHome } from '../support/aish.js';

/** Processes whose parent is `pid`, as ps sees them. */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['--ppid', String(pid), '-o', 'pid='], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // ps exits 1 when it lists nothing
  }
}

/** Those of `pids` still running (a zombie has finished). */
function stillRunning(pids: number[]): number[] {
  if (pids.length === 0) return [];
  try {
    const rows = execFileSync('ps', ['-o', 'pid=,stat=', '-p', pids.join(',')], { encoding: 'utf8' }).split('\n').filter(Boolean);
    return rows.map((row) => row.trim().split(/\s+/)).filter(([, stat]) => !stat!.startsWith('Z')).map(([pid]) => Number(pid));
  } catch {
    return [];
  }
}

async function until<T>(probe: () => T, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const value = probe();
    if (done(value) || attempt > 100) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function exited(child: ChildProcess): Promise<{ status: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('close', (status, signal) => resolve({ status, signal })));
}

/** A home whose TMPDIR is its own, so aish's FIFO folders can be counted. */
function privateHome(): { home: string; tmp: string } {
  const home = tempHome();
  const tmp = join(home, 'tmp');
  mkdirSync(tmp);
  return { home, tmp };
}

describe.each(['SIGTERM', 'SIGHUP'] as const)('%s', (signal) => {
  it('stops every child of the running pipeline, leaves no FIFO folder, and exits 128 + the signal', async () => {
    const { home, tmp } = privateHome();
    const child = startAish(['-q', '-c', 'sleep 30 | cat | wc -l'], { home, env: { TMPDIR: tmp } });
    const done = exited(child);
    const pipeline = await until(() => childrenOf(child.pid!), (pids) => pids.length === 3);
    expect(pipeline).toHaveLength(3);
    child.kill(signal);
    const result = await done;
    expect(result.status).toBe(128 + constants.signals[signal]);
    expect(await until(() => stillRunning(pipeline), (left) => left.length === 0)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('leaves neither the target nor a temporary file of a > redirect, and logs the cut exchange', async () => {
    const { home, tmp } = privateHome();
    const child = startAish(['-q', '-c', `apollo --model 'echo?ttft_ms=20000' << "x" > out.txt`], { home, env: { TMPDIR: tmp } });
    const done = exited(child);
    // The redirect opens its file before the stage starts: once it is there, the call is on its way.
    await until(() => existsSync(join(home, 'out.txt')), Boolean);
    child.kill(signal);
    expect((await done).status).toBe(128 + constants.signals[signal]);
    expect(readdirSync(home).filter((name) => name.startsWith('out.txt') || name.includes('.aish-'))).toEqual([]);
    const history = JSON.parse((await runAish(['history', '--json'], { home })).stdout) as { exchanges: { status: string }[] };
    expect(history.exchanges.map((exchange) => exchange.status)).toEqual(['cancelled']);
  });
});
