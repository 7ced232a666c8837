/** `aish history`: the local log of exchanges, written by the aish that shows the answer. */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AISH, aishC, collect, runAish, startServe, tempHome, testEnv, type RunResult } from '../support/aish.js';
import { worldReadableAish } from '../support/world-readable-aish.js';

interface ExchangeJson {
  id: number;
  time: string;
  command_line: string;
  specialist: string;
  model: string | null;
  message: string;
  answer: string;
  tokens_in: number | null;
  tokens_out: number | null;
  duration_ms: number;
  status: string;
  error_code: string | null;
  session_id: string | null;
  cost_usd: number | null;
}

async function historyJson(home: string, ...args: string[]): Promise<{ exchanges: ExchangeJson[]; total: number }> {
  const result = await runAish(['history', ...args, '--json'], { home });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout);
}

describe('aish history after a few runs', () => {
  const home = tempHome();

  beforeAll(async () => {
    for (const line of ['echo "find the auth bug in login.ts" | apollo', 'athena "write release notes"', 'apollo "a bug in the parser"']) {
      const result = await aishC(line, { home });
      expect(result.status).toBe(0);
    }
  });

  it('--search "auth bug" finds the exchange that has both words, and only it', async () => {
    const result = await runAish(['history', '--search', 'auth bug'], { home });
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TIME\s+SPECIALIST\s+STATUS\s+MESSAGE$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^1\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+apollo\s+ok\s+find the auth bug in login\.ts$/);
  });

  it('--json is one document with every field of each exchange', async () => {
    const { exchanges, total } = await historyJson(home);
    expect(total).toBe(3);
    expect(exchanges.map((exchange) => exchange.id)).toEqual([1, 2, 3]);
    const [first] = exchanges;
    expect(first).toEqual({
      id: 1,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      command_line: 'echo "find the auth bug in login.ts" | apollo',
      specialist: 'apollo',
      model: 'echo',
      message: 'find the auth bug in login.ts\n',
      answer: '[apollo] find the auth bug in login.ts\n',
      tokens_in: expect.any(Number),
      tokens_out: 7,
      duration_ms: expect.any(Number),
      status: 'ok',
      error_code: null,
      session_id: null,
      cost_usd: 0,
      // The request's key: this answer can answer the same request again (--cache).
      cache_key: expect.stringMatching(/^[0-9a-f]{64}$/),
      cached_from: null,
    });
    expect(Math.abs(Date.parse(first!.time) - Date.now())).toBeLessThan(10 * 60_000);
  });

  it('show ID prints the whole exchange, and --json the same as one object', async () => {
    const shown = await runAish(['history', 'show', '2'], { home });
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain('command:    athena "write release notes"\n');
    expect(shown.stdout).toContain('specialist: athena\n');
    expect(shown.stdout).toContain('cost:       $0\n');
    expect(shown.stdout).toMatch(/── message ──\nwrite release notes\n── answer ──\n\[athena\] write release notes\n$/);
    const json = await runAish(['history', 'show', '2', '--json'], { home });
    expect(JSON.parse(json.stdout)).toMatchObject({ id: 2, specialist: 'athena', message: 'write release notes', answer: '[athena] write release notes' });
  });

  it('show of an exchange that does not exist is an error', async () => {
    const result = await runAish(['history', 'show', '42'], { home });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('aish: history: no exchange 42\n');
    expect(result.stdout).toBe('');
  });

  it('--specialist, --limit and --since narrow the listing', async () => {
    expect((await historyJson(home, '--specialist', 'athena')).exchanges.map((exchange) => exchange.id)).toEqual([2]);
    expect((await historyJson(home, '--limit', '2')).exchanges.map((exchange) => exchange.id)).toEqual([2, 3]);
    expect((await historyJson(home, '--limit=1', '--specialist', 'apollo')).exchanges.map((exchange) => exchange.id)).toEqual([3]);
    expect((await historyJson(home, '--since', '1h')).total).toBe(3);
    expect((await historyJson(home, '--since', '2999-01-01')).total).toBe(0);
    expect((await historyJson(home, '--since', '2000-01-01T00:00Z')).total).toBe(3);
    expect((await historyJson(home, '--search', 'bug', '--since', 'yesterday')).exchanges.map((exchange) => exchange.id)).toEqual([1, 3]);
  });

  it('FTS syntax in --search is only text: no SQL error', async () => {
    for (const words of ['AND "(', 'NEAR(auth bug)', 'bug OR', '"auth" -login', 'col:bug']) {
      const result = await runAish(['history', '--search', words], { home });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    }
    const nothing = await runAish(['history', '--search', '* "'], { home });
    expect(nothing.status).toBe(1);
    expect(nothing.stderr).toBe('aish: history: --search: nothing to search for: the words have no letters or digits\n');
  });

  it('the history builtin inside a line reads the same log', async () => {
    const result = await aishC('history --limit 1 --json', { home });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).exchanges.map((exchange: ExchangeJson) => exchange.id)).toEqual([3]);
  });

  it('--help says what history takes', async () => {
    const result = await runAish(['history', '--help'], { home });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^usage: history \[--search WORDS\]/);
    expect(result.stdout).toContain('history show ID [--json]');
  });

  it('bad arguments are one clear error and status 1', async () => {
    const cases: [string[], string][] = [
      [['--limit', '0'], "aish: history: --limit: expected a whole number above 0, got '0'\n"],
      [['--since', 'soon'], "aish: history: --since: expected a date (2025-11-20), a date and time (2025-11-20T14:30), a time ago (30m, 12h, 2d, 1w), today or yesterday; got 'soon'\n"],
      [['show', 'x'], "aish: history: show: expected an exchange ID (a whole number), got 'x'\n"],
      [['--colour'], "aish: history: unknown option '--colour' (history takes --search, --specialist, --since, --limit, --cost, --json; or show ID)\n"],
      [['auth'], 'aish: history: unexpected \'auth\' (to search, use --search "auth")\n'],
    ];
    for (const [args, message] of cases) {
      const result = await runAish(['history', ...args], { home });
      expect(result.stderr).toBe(message);
      expect(result.status).toBe(1);
    }
  });
});

describe('what is logged', () => {
  it('records a failed exchange with its error code, and a session exchange with its session', async () => {
    const home = tempHome();
    await aishC('apollo --model nosuch/model "boom"', { home });
    await aishC('apollo --session notes "keep this"', { home });
    const { exchanges } = await historyJson(home);
    expect(exchanges[0]).toMatchObject({ specialist: 'apollo', model: null, status: 'error', error_code: 'BAD_REQUEST', tokens_in: null, cost_usd: null });
    expect(exchanges[1]).toMatchObject({ message: 'keep this', status: 'ok', session_id: expect.stringMatching(/^ses_/) });
  });

  it('the command line of an exchange in a script is its own line of the script', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'review.aish'), 'echo one | apollo\nathena << EOF\ntwo\nEOF\n# done\n');
    expect((await runAish(['review.aish'], { home })).status).toBe(0);
    const { exchanges } = await historyJson(home);
    expect(exchanges.map((exchange) => exchange.command_line)).toEqual(['echo one | apollo', 'athena << EOF\ntwo\nEOF']);
  });

  it('--no-log and AISH_LOG=0 write nothing', async () => {
    const home = tempHome();
    expect((await runAish(['--no-log', '-c', 'apollo one'], { home })).stdout).toBe('[apollo] one\n');
    expect((await runAish(['-q', '--no-log', '-c', 'apollo two'], { home })).stdout).toBe('[apollo] two\n');
    expect((await aishC('apollo three', { home, env: { AISH_LOG: '0' } })).stdout).toBe('[apollo] three\n');
    expect((await historyJson(home)).total).toBe(0);
  });

  it('with --server, the client writes the exchanges to its own local log', async () => {
    const serverHome = tempHome();
    const served = await startServe(serverHome);
    try {
      const home = tempHome();
      const result = await runAish(['--server', served.url, '-c', 'echo "remote auth bug" | apollo; echo x | apollo first | athena second'], { home });
      expect(result.status).toBe(0);
      const { exchanges } = await historyJson(home);
      expect(exchanges.map((exchange) => [exchange.specialist, exchange.message])).toEqual([
        ['apollo', 'remote auth bug\n'],
        ['apollo', 'first\n\nx\n'],
        ['athena', 'second\n\n[apollo] first\n\nx\n'],
      ]);
      expect(exchanges.every((exchange) => exchange.model === 'echo' && exchange.status === 'ok')).toBe(true);
      expect((await historyJson(serverHome)).total).toBe(0);
    } finally {
      await served.stop();
    }
  });
});

/**
 * Runs aish as a user who cannot write what root can (root ignores file modes), or as this
 * user. That user runs a world-readable copy of aish: the clone may sit where only its owner
 * can enter.
 */
function runUnprivileged(args: string[], home: string, env: Record<string, string>): Promise<RunResult> {
  const root = process.getuid?.() === 0;
  const child = spawn(root ? worldReadableAish() : AISH, args, {
    cwd: home,
    env: testEnv(home, env),
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(root && { uid: 65534, gid: 65534 }),
  });
  return collect(child);
}

describe('a log that cannot be written', () => {
  it('a read-only database: the command still succeeds, with exactly one warning', async () => {
    const home = tempHome();
    const folder = join(home, 'db');
    mkdirSync(folder);
    const env = { AISH_DB: join(folder, 'aish.db'), XDG_DATA_HOME: join(home, 'data') };
    expect((await aishC('apollo first', { home, env })).status).toBe(0);
    chmodSync(home, 0o755);
    mkdirSync(join(home, 'data'), { mode: 0o777 });
    chmodSync(join(home, 'data'), 0o777);
    chmodSync(join(folder, 'aish.db'), 0o444);
    chmodSync(folder, 0o555);
    const before = readFileSync(join(folder, 'aish.db'));
    const result = await runUnprivileged(['-q', '-c', 'apollo two; athena three; apollo,athena << "four"'], home, env);
    expect(result.stdout).toBe('[apollo] two\n[athena] three\n── apollo ──\n[apollo] four\n── athena ──\n[athena] four\n');
    expect(result.status).toBe(0);
    const warnings = result.stderr.split('\n').filter((line) => line !== '');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^aish: warning: the exchange log was not written \(.+\); this run's exchanges are not logged$/);
    expect(readFileSync(join(folder, 'aish.db')).equals(before)).toBe(true);
    chmodSync(folder, 0o755);
  });

  it('a database file aish refuses (not SQLite): one warning, the answer, status 0, the file untouched', async () => {
    const home = tempHome();
    const file = join(home, 'notes.db');
    writeFileSync(file, 'my notes, not a database\n');
    const result = await aishC('apollo one; athena two', { home, env: { AISH_DB: file } });
    expect(result.stdout).toBe('[apollo] one\n[athena] two\n');
    expect(result.status).toBe(0);
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('aish: warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('not an aish database');
    expect(readFileSync(file, 'utf8')).toBe('my notes, not a database\n');
  });
});
