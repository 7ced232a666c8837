/**
 * A full disk under the session database, for real: a small tmpfs mounted by
 * the test (the tests run as root, as CI does), filled up, then used.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { aishC, runAish, startServe, tempHome } from '../support/aish.js';

const mounts: string[] = [];

afterEach(() => {
  for (const folder of mounts.splice(0)) {
    execFileSync('umount', [folder]);
    rmSync(folder, { recursive: true, force: true });
  }
});

/** A 1 MiB filesystem of its own, holding a database with one session ('full'); `fill()` takes every byte left. */
async function smallDisk(): Promise<{ db: string; home: string; fill: () => void }> {
  const folder = mkdtempSync(join(tmpdir(), 'aish-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', folder]);
  mounts.push(folder);
  const home = tempHome();
  const db = join(folder, 'aish.db');
  const first = await aishC('echo first | apollo --session full', { home, env: { AISH_DB: db } });
  expect(first.status).toBe(0);
  const fill = (): void => {
    // A block at a time, until the filesystem refuses.
    for (let n = 0; ; n++) {
      try {
        writeFileSync(join(folder, `filler-${n}`), Buffer.alloc(4096, 1));
      } catch {
        break;
      }
    }
  };
  return { db, home, fill };
}

async function fullDisk(): Promise<{ db: string; home: string }> {
  const disk = await smallDisk();
  disk.fill();
  return disk;
}

describe('a full disk under the session database', () => {
  it('a session message from the CLI says the database is full and that nothing was stored (exit 1)', async () => {
    const { db, home } = await fullDisk();
    const result = await aishC('echo "a longer message that needs room in the write-ahead log" | apollo --session full', { home, env: { AISH_DB: db, AISH_LOG: '0' } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('is full: the disk has no space left, so nothing was stored');
    expect(result.stderr).not.toContain('internal error');
  });

  it('aish serve answers 507 STORAGE_FULL with a message, not a generic 500', async () => {
    const { db, home, fill } = await smallDisk();
    const served = await startServe(home, { AISH_DB: db });
    try {
      fill();
      const response = await fetch(`${served.url}/api/v2/sessions/full/message`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'a longer message that needs room in the write-ahead log '.repeat(20) }),
      });
      expect(response.status).toBe(507);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('STORAGE_FULL');
      expect(body.error.message).toContain('is full');
      const viaCli = await runAish(['--server', served.url, '-c', 'echo more | apollo --session full'], { home: tempHome() });
      expect(viaCli.status).toBe(1);
      expect(viaCli.stderr).toContain('is full');
    } finally {
      await served.stop();
    }
  }, 60_000);
});
