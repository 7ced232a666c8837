/** Redirects (docs/language.md "Lists, redirection and background"): a failure never leaves a half-written file. */
import { chmodSync, existsSync, linkSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
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

  it('> keeps the same file: its mode, inode and hard links stay as they were', async () => {
    const home = tempHome();
    const file = join(home, 'secret.md');
    writeFileSync(file, 'old\n');
    chmodSync(file, 0o600);
    linkSync(file, join(home, 'other-name.md'));
    const before = statSync(file);
    const result = await aishC('echo new | apollo > secret.md', { home });
    expect(result.status).toBe(0);
    const after = statSync(file);
    expect(after.mode & 0o777).toBe(0o600);
    expect(after.ino).toBe(before.ino);
    expect(after.nlink).toBe(2);
    expect(readFileSync(join(home, 'other-name.md'), 'utf8')).toBe('[apollo] new\n');
  });

  it('> keeps a script executable when a Unix command writes it', async () => {
    const home = tempHome();
    const script = join(home, 'run.sh');
    writeFileSync(script, 'old\n');
    chmodSync(script, 0o755);
    await aishC(`printf '#!/bin/sh\\necho hi\\n' > run.sh`, { home });
    expect(statSync(script).mode & 0o777).toBe(0o755);
    expect(readFileSync(script, 'utf8')).toBe('#!/bin/sh\necho hi\n');
  });

  it('> creates a new file with the umask mode and leaves no temporary file', async () => {
    const home = tempHome();
    await aishC('echo x | apollo > fresh.md', { home });
    // aish inherits this process's umask.
    expect(statSync(join(home, 'fresh.md')).mode & 0o777).toBe(0o666 & ~process.umask());
    expect(readdirSync(home).filter((name) => name.includes('.aish-'))).toEqual([]);
  });

  it('> that cannot be opened names the file the user wrote, never a temporary name', async () => {
    const home = tempHome();
    const result = await aishC('echo x | apollo > no-such-folder/out.md', { home });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('aish: no-such-folder/out.md: No such file or directory\n');
    expect(result.stderr).not.toContain('.tmp');
  });

  it('>> appends what was received and says on stderr that the answer was cut short', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'log.md'), 'before\n');
    const result = await aishC(`apollo --model 'echo?tps=4' --timeout 1 << "one two three four five six seven eight nine ten eleven twelve" >> log.md`, { home });
    expect(result.status).not.toBe(0);
    expect(readFileSync(join(home, 'log.md'), 'utf8').startsWith('before\n')).toBe(true);
    expect(result.stderr).toContain('the answer was cut short; log.md has what was received');
  });
});
