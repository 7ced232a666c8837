/** The database file as the real CLI leaves it: private, checkpointed, and safe to share between processes. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { aishC, runAish, startServe, tempHome } from '../support/aish.js';

function mode(file: string): number {
  return statSync(file).mode & 0o777;
}

describe('the session database from the CLI', () => {
  it('creates the database, its WAL and its folder readable by the owner only', async () => {
    const home = tempHome();
    const db = join(home, 'data', 'private', 'aish.db');
    const result = await aishC('echo hi | apollo --session private', { home, env: { AISH_DB: db } });
    expect(result.status).toBe(0);
    expect(mode(db)).toBe(0o600);
    expect(mode(join(home, 'data', 'private'))).toBe(0o700);
    for (const extra of ['-wal', '-shm']) if (existsSync(db + extra)) expect(mode(db + extra)).toBe(0o600);
  });

  it('keeps the file of which session each terminal is in private too', async () => {
    const home = tempHome();
    expect((await aishC('echo hi | apollo --session mine', { home })).status).toBe(0);
    const found = (await import('node:child_process')).execFileSync('find', [home, '-name', 'current-sessions.json'], { encoding: 'utf8' }).trim();
    expect(found).not.toBe('');
    expect(mode(found)).toBe(0o600);
  });

  it('makes an existing world-readable database private when it opens it', async () => {
    const home = tempHome();
    const db = join(home, 'aish.db');
    await aishC('echo hi | apollo --session first', { home });
    (await import('node:fs')).chmodSync(db, 0o644);
    await aishC('echo again | apollo --session first', { home });
    expect(mode(db)).toBe(0o600);
  });

  it('checkpoints the database when a command ends: the main file holds the sessions and no WAL is left', async () => {
    const home = tempHome();
    const db = join(home, 'aish.db');
    expect((await aishC('echo hello | apollo --session kept', { home })).status).toBe(0);
    expect(existsSync(db + '-wal') ? statSync(db + '-wal').size : 0).toBe(0);
    // Read the main file alone, as a backup of aish.db alone would be read.
    const copy = join(home, 'copy.db');
    (await import('node:fs')).copyFileSync(db, copy);
    const reader = new Database(copy, { readonly: true });
    try {
      expect(reader.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(2);
      expect(reader.prepare('SELECT count(*) FROM exchanges').pluck().get()).toBe(1);
    } finally {
      reader.close();
    }
  });

  it('checkpoints after a command that fails too', async () => {
    const home = tempHome();
    const db = join(home, 'aish.db');
    await aishC('echo hello | apollo --session kept', { home });
    const failed = await runAish(['sessions', 'show', 'nothing-here'], { home });
    expect(failed.status).toBe(1);
    expect(existsSync(db + '-wal') ? statSync(db + '-wal').size : 0).toBe(0);
  });

  it('ten processes continuing one new session name at once all succeed, in one session', async () => {
    const home = tempHome();
    const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => aishC(`echo hi${i} | apollo --session race`, { home })));
    for (const run of runs) expect(`${run.status} ${withoutEchoNotice(run.stderr)}`).toMatch(/^0 /);
    const shown = await runAish(['sessions', 'show', 'race', '--json'], { home });
    expect(JSON.parse(shown.stdout).messages).toHaveLength(20);
    const listed = JSON.parse((await runAish(['sessions', '--json'], { home })).stdout);
    expect(listed.total).toBe(1);
  }, 60_000);

  it('ten --server clients continuing one new session name at once all succeed, in one session', async () => {
    const home = tempHome();
    const served = await startServe(home);
    try {
      {
        const name = 'race';
        const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => runAish(['--server', served.url, '-c', `echo hi${i} | apollo --session ${name}`], { home: tempHome() })));
        for (const run of runs) expect(`${run.status} ${withoutEchoNotice(run.stderr)}`).toMatch(/^0 /);
        const shown = await runAish(['--server', served.url, 'sessions', 'show', name, '--json'], { home: tempHome() });
        expect(JSON.parse(shown.stdout).messages).toHaveLength(20);
        // Only the process that created the session says so.
        expect(runs.filter((run) => run.stderr.includes(`(${name}) with apollo`))).toHaveLength(1);
      }
    } finally {
      await served.stop();
    }
  }, 120_000);
});

function withoutEchoNotice(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !line.includes('echo model'))
    .join('\n');
}
