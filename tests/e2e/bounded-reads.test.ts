/**
 * Every file aish reads as text is bounded, and `source` cannot nest without
 * end: a runaway input is a clear error naming the file, never a hang or gigabytes.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aishC, runAish, tempHome } from '../support/aish.js';

const TOO_LARGE = 'larger than 16 MiB, the most aish reads as a text file';

describe('bounded reads', () => {
  it('a script that sources itself stops at 100 levels with an error naming it', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'self.aish'), 'echo level\nsource ./self.aish\n');
    const result = await runAish(['self.aish'], { home });
    expect(result.stdout.split('\n').filter(Boolean)).toHaveLength(101);
    expect(result.stderr).toContain('aish: source: ./self.aish: sourced too deeply (more than 100 files at once; does it source itself?)');
  });

  it('source /dev/zero fails with an error naming the file', async () => {
    const result = await aishC('source /dev/zero; echo "status $?"');
    expect(result.stdout).toBe('status 1\n');
    expect(result.stderr).toContain(`aish: source: /dev/zero: ${TOO_LARGE}`);
  });

  it('a script file that never ends is refused', async () => {
    const result = await runAish(['/dev/zero']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`aish: /dev/zero: ${TOO_LARGE}`);
  });

  it('sessions import /dev/zero is refused', async () => {
    const result = await aishC('sessions import /dev/zero');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('sessions import: /dev/zero: larger than 64 MiB');
  });

  it('a specialist file linked to /dev/zero is reported by name', async () => {
    const home = tempHome();
    const folder = join(home, '.config', 'aish', 'specialists');
    mkdirSync(folder, { recursive: true });
    symlinkSync('/dev/zero', join(folder, 'zero.md'));
    const result = await aishC('echo hi | apollo', { home });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`specialists/zero.md: cannot read this specialist file: ${TOO_LARGE}`);
  });

  it('a config file linked to /dev/zero is reported by name', async () => {
    const home = tempHome();
    mkdirSync(join(home, '.config', 'aish'), { recursive: true });
    symlinkSync('/dev/zero', join(home, '.config', 'aish', 'config.yaml'));
    const result = await aishC('echo hi | apollo', { home });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`config.yaml: cannot read the config file: ${TOO_LARGE}`);
  });
});
