/** Background jobs behave as in sh: aish does not wait for Unix jobs at the end, `wait` is 0, each job has its own id. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aishC, startAish, tempHome } from '../support/aish.js';

function running(pid: number): boolean {
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim().startsWith('Z');
  } catch {
    return false;
  }
}

describe('background jobs', () => {
  it('aish -c ends without waiting for a background Unix command, which keeps running', async () => {
    const child = startAish(['-q', '-c', 'sleep 30 > /dev/null 2>&1 & echo $!']);
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stdin!.end();
    const status = await new Promise((resolve) => child.on('exit', resolve));
    expect(status).toBe(0);
    const pid = Number(stdout.trim());
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(child.pid);
    // The job outlived aish, as with sh; end it here.
    expect(running(pid)).toBe(true);
    process.kill(pid);
  });

  it('a background AI stage still finishes its answer before aish leaves', async () => {
    const home = tempHome();
    await aishC('echo hi | apollo > bg.md &', { home });
    expect(readFileSync(join(home, 'bg.md'), 'utf8')).toBe('[apollo] hi\n');
  });

  it('wait with no argument is 0 whatever the jobs returned; wait %N is that job status', async () => {
    expect((await aishC('false & wait; echo $?')).stdout).toBe('0\n');
    expect((await aishC('true & false & wait %2; echo $?')).stdout).toBe('1\n');
  });

  it('in -c and scripts, & prints no [n] PID notice (as a non-interactive sh); $! is the job’s process id', async () => {
    const result = await aishC('sleep 0.2 & echo "pid $!"; apollo hi > /dev/null & wait');
    expect(result.stdout).toMatch(/^pid \d+\n$/);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('['))).toEqual([]);
  });
});

describe('exit', () => {
  it('exit with a word that is not a number is an error, and leaves with status 2', async () => {
    const result = await aishC('exit abc; echo not reached');
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('aish: exit: abc: numeric argument required');
  });

  it('exit alone leaves with the last status, as in sh', async () => {
    expect((await aishC('false; exit')).status).toBe(1);
  });
});

describe('an unknown command name', () => {
  it('a 100 KB unknown name is reported as not found (the suggestion search skips names of another length)', async () => {
    const result = await aishC('a'.repeat(100_000));
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/^aish: 'a+' not found\.\n$/m);
  });
});
