/** Pipes between Unix commands work whether or not FIFOs can be made, and never hang. */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/plan/index.js';
import { aishC, tempHome } from '../support/aish.js';

/** A home whose PATH holds only node, cat, wc and head: no mkfifo. */
function homeWithoutMkfifo(): { home: string; path: string } {
  const home = tempHome();
  const bin = join(home, 'bin');
  mkdirSync(bin);
  for (const name of ['node', 'cat', 'wc', 'head', 'seq']) symlinkSync(findExecutable(name)!, join(bin, name));
  return { home, path: bin };
}

describe('pipes between Unix commands', () => {
  it('work when mkfifo is not on PATH', async () => {
    const { home, path } = homeWithoutMkfifo();
    const result = await aishC('echo x | cat | cat; echo x | apollo | cat | wc -l', { home, env: { PATH: path } });
    expect(result.stdout).toBe('x\n1\n');
    expect(result.status).toBe(0);
  });

  it('work when no FIFO can be made at all (no usable temporary folder), through Node pipes', async () => {
    const home = tempHome();
    const result = await aishC('echo x | cat | cat; seq 3 | cat 2>&1 | cat | wc -l; seq 100000 | cat | head -1', { home, env: { TMPDIR: join(home, 'missing') } });
    expect(result.stdout).toBe('x\n3\n1\n');
  });
});
