/** Expired sessions from the real CLI: refused with how to renew, readable, listed, renewed; and `sessions` help and aliases. */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { aishC, homeWithConfig, runAish, startServe, tempHome } from '../support/aish.js';

/** Makes a session expired as time would: its expiry moved into the past, in the real database file. */
function expire(db: string, name: string): void {
  const connection = new Database(db);
  try {
    connection.prepare('UPDATE sessions SET last_activity = last_activity - 7200000, expires_at = ? WHERE name = ?').run(Date.now() - 1000, name);
  } finally {
    connection.close();
  }
}

describe('expired sessions from the CLI', () => {
  it('refuses a new message saying how to renew, still shows, exports and lists it, and renews it', async () => {
    const home = tempHome();
    const db = join(home, 'aish.db');
    expect((await aishC('echo first | apollo --session old', { home })).status).toBe(0);
    expire(db, 'old');
    const refused = await aishC('echo late | apollo --session old', { home });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("renew it with 'aish sessions renew old'");
    const listed = await runAish(['sessions'], { home });
    expect(listed.stdout).toMatch(/old\s+apollo\s+2\s+\S+\s+expired\n/);
    const shown = await runAish(['sessions', 'show', 'old'], { home });
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain('you: first');
    expect(shown.stderr).toContain("aish sessions renew old");
    const exported = await runAish(['sessions', 'export', 'old'], { home });
    expect(JSON.parse(exported.stdout).messages).toHaveLength(2);
    const renewed = await runAish(['sessions', 'renew', 'old'], { home });
    expect(renewed.status).toBe(0);
    expect(renewed.stderr).toContain('aish: session old renewed: it expires ');
    const again = await aishC('echo again | apollo --session old', { home });
    expect(again.status).toBe(0);
    expect(JSON.parse((await runAish(['sessions', 'show', 'old', '--json'], { home })).stdout)).toMatchObject({ expired: false, message_count: 4 });
  });

  it('the same through aish serve: 410 becomes the same message, and renew works over the wire', async () => {
    const home = tempHome();
    const served = await startServe(home);
    try {
      const client = { home: tempHome() };
      await runAish(['--server', served.url, '-c', 'echo first | apollo --session far'], client);
      expire(join(home, 'aish.db'), 'far');
      const refused = await runAish(['--server', served.url, '-c', 'echo late | apollo --session far'], client);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain("renew it with 'aish sessions renew far'");
      expect((await runAish(['--server', served.url, 'sessions', 'show', 'far'], client)).status).toBe(0);
      expect((await runAish(['--server', served.url, 'sessions', 'renew', 'far', '--ttl', '0'], client)).stderr).toContain('it never expires');
      expect((await runAish(['--server', served.url, '-c', 'echo again | apollo --session far'], client)).status).toBe(0);
    } finally {
      await served.stop();
    }
  }, 60_000);

  it('sessions.ttl in the config sets how long new sessions live, 0 for never', async () => {
    const home = homeWithConfig('sessions:\n  ttl: 0\n');
    await aishC('echo hi | apollo --session forever', { home });
    expect(JSON.parse((await runAish(['sessions', 'show', 'forever', '--json'], { home })).stdout)).toMatchObject({ ttl_s: 0, expires_at: null, expired: false });
    expect((await runAish(['sessions'], { home })).stdout).toMatch(/forever .* never\n/);
    const short = homeWithConfig('sessions:\n  ttl: 120\n');
    await aishC('echo hi | apollo --session brief', { home: short });
    expect(JSON.parse((await runAish(['sessions', 'show', 'brief', '--json'], { home: short })).stdout).ttl_s).toBe(120);
    const wrong = homeWithConfig('sessions:\n  ttl: soon\n');
    const refused = await aishC('echo hi | apollo', { home: wrong });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('ttl');
  });
});

describe('the sessions command’s help and aliases', () => {
  it('sessions --help, -h and help print the verbs; every verb answers --help instead of looking up a session', async () => {
    const home = tempHome();
    for (const args of [['--help'], ['-h'], ['help']]) {
      const result = await runAish(['sessions', ...args], { home });
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('Usage: sessions');
      for (const verb of ['list', 'show', 'export', 'import', 'renew', 'rm']) expect(result.stdout).toContain(`  ${verb} `);
    }
    for (const verb of ['list', 'ls', 'show', 'export', 'import', 'renew', 'rm', 'delete']) {
      const result = await runAish(['sessions', verb, '--help'], { home });
      expect({ verb, status: result.status, stderr: result.stderr }).toEqual({ verb, status: 0, stderr: '' });
      expect(result.stdout).toMatch(/^Usage: sessions (list|show|export|import|renew|rm) /);
    }
    expect((await runAish(['sessions', 'help', 'renew'], { home })).stdout).toContain('--ttl SECONDS');
  });

  it('sessions ls lists and sessions delete removes', async () => {
    const home = tempHome();
    await aishC('echo hi | apollo --session alias-me', { home });
    expect((await runAish(['sessions', 'ls'], { home })).stdout).toContain('alias-me');
    expect((await runAish(['sessions', 'delete', 'alias-me'], { home })).status).toBe(0);
    expect((await runAish(['sessions', 'ls'], { home })).stdout).not.toContain('alias-me');
  });
});
