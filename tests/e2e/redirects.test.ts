/** Redirects (language.md §6): a failure never leaves a half-written file. */
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aishC, tempHome } from '../support/aish.js';

describe('redirects', () => {
  it('> replaces the file when the stage succeeds', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'out.md'), 'old\n');
    await aishC('echo new | apollo > out.md', { home });
    expect(readFileSync(join(home, 'out.md'), 'utf8')).toBe('[apollo] new\n');
  });

  it('> leaves the old file unchanged when the AI stage fails, and says so', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'out.md'), 'precious\n');
    const result = await aishC('echo new | apollo --model ollama/x > out.md', { home });
    expect(result.status).not.toBe(0);
    expect(readFileSync(join(home, 'out.md'), 'utf8')).toBe('precious\n');
    expect(result.stderr).toContain('out.md left unchanged');
    expect(readdirSync(home).filter((name) => name.includes('.aish-'))).toEqual([]);
  });

  it('> creates no file at all when a timed-out stage had none before', async () => {
    const home = tempHome();
    await aishC(`apollo --model 'echo?ttft_ms=3000' --timeout 0.1 << "x" > never.md`, { home });
    expect(existsSync(join(home, 'never.md'))).toBe(false);
  });

  it('>> appends', async () => {
    const home = tempHome();
    await aishC('echo a | apollo >> log.md; echo b | athena >> log.md', { home });
    expect(readFileSync(join(home, 'log.md'), 'utf8')).toBe('[apollo] a\n[athena] b\n');
  });

  it('< reads a file as the input', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'q.txt'), 'from a file\n');
    expect((await aishC('apollo < q.txt', { home })).stdout).toBe('[apollo] from a file\n');
  });

  it('a missing < file fails that stage with status 1 and runs nothing of it', async () => {
    const result = await aishC('apollo < missing.txt');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('missing.txt: No such file or directory');
  });

  it('2> sends an AI stage error to a file', async () => {
    const home = tempHome();
    const result = await aishC('apollo 2> err.txt', { home });
    expect(result.stderr).toBe('');
    expect(readFileSync(join(home, 'err.txt'), 'utf8')).toBe('aish: apollo: nothing to send\n');
  });

  it('a redirect belongs to the stage it is written after', async () => {
    const home = tempHome();
    const result = await aishC('echo x | apollo > mid.md | wc -c', { home });
    expect(result.stdout.trim()).toBe('0');
    expect(readFileSync(join(home, 'mid.md'), 'utf8')).toBe('[apollo] x\n');
  });

  it('> /dev/null works (written in place, not renamed)', async () => {
    const result = await aishC('echo x | apollo > /dev/null; echo ok');
    expect(result.stdout).toBe('ok\n');
  });

  it('no stage of a pipeline runs when one fails to resolve', async () => {
    const home = tempHome();
    const result = await aishC('echo hi > made.txt | nosuchcommand-aish', { home });
    expect(result.status).toBe(3);
    expect(existsSync(join(home, 'made.txt'))).toBe(false);
  });
});
