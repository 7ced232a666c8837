/** A stdout that cannot be written: one line on stderr and status 1; a closed pipe ends quietly. */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AISH, aishC, tempHome, testEnv } from '../support/aish.js';

/** Runs `aish -q -c LINE` with its stdout on /dev/full (always "No space left on device"). */
function aishToFullDevice(line: string): Promise<{ stderr: string; status: number | null }> {
  const home = tempHome();
  const full = openSync('/dev/full', 'w');
  const child = spawn(AISH, ['-q', '-c', line], { cwd: home, env: testEnv(home), stdio: ['ignore', full, 'pipe'] });
  closeSync(full);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((done) => child.on('close', (status) => done({ stderr, status })));
}

describe('write errors on stdout', () => {
  it.each(['echo a', 'echo a | apollo', 'apollo,athena << "x"'])('%s to a full device says one line and exits 1', async (line) => {
    const result = await aishToFullDevice(line);
    expect(result.stderr).toBe('aish: write error: No space left on device\n');
    expect(result.status).toBe(1);
  });

  it('> /dev/full inside the line fails that stage with one line, and the line goes on', async () => {
    const result = await aishC('echo a > /dev/full; echo "status $?"; echo x | apollo > /dev/full; echo "status $?"');
    expect(result.stdout).toBe('status 1\nstatus 1\n');
    expect(result.stderr.split('\n').filter((line) => line.includes('write error'))).toEqual([
      'aish: write error: No space left on device',
      'aish: write error: No space left on device',
    ]);
  });

  it('a reader that leaves early (| head -1) ends aish quietly', async () => {
    const home = tempHome();
    const child = spawn('sh', ['-c', `'${AISH}' -q -c 'seq 100000 | apollo; seq 100000' | head -1`], { cwd: home, env: testEnv(home) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    await new Promise((done) => child.on('close', done));
    expect(stdout).toBe('[apollo] 1\n');
    expect(stderr).toBe('');
  });
});
