/**
 * One answer at a time per session across processes that share the database:
 * two real `bin/aish` processes (embedded, or embedded and `aish serve`) on one
 * session take turns, so the second answer's context holds the first exchange.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { aishC, collect, homeWithConfig, runAish, startAish, startServe, tempHome, type RunResult } from '../support/aish.js';

/** A slow answer: the echo model sends a word every 200 ms. */
const SLOW = "--model 'echo?tps=5'";
const FIRST = 'one two three four five six seven eight';
const SECOND = 'second question';

/** Starts `aish ARGS` and resolves once its stdout shows `text` (the answer has begun), with the run's result to come. */
async function startedAnswering(args: string[], home: string, text: string): Promise<{ child: ChildProcess; result: Promise<RunResult> }> {
  const child = startAish(args, { home });
  const result = collect(child);
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer | string) => {
      seen += String(chunk);
      if (seen.includes(text)) resolve();
    });
    child.once('close', () => reject(new Error(`aish ended before answering: ${seen}`)));
  });
  return { child, result };
}

/** The input tokens the echo model counted for a `--json` run's one exchange: every word of the context it was sent. */
function tokensIn(run: RunResult): number {
  expect(run.status, run.stderr).toBe(0);
  const exchanges = (JSON.parse(run.stdout) as { exchanges: { tokens_in: number }[] }).exchanges;
  return exchanges[0]!.tokens_in;
}

/** What the second message's context counts when the first exchange ran before it, one after the other in one process. */
async function contextAfterFirst(): Promise<number> {
  const home = tempHome();
  await aishC(`echo ${FIRST} | apollo --session alone`, { home });
  return tokensIn(await runAish(['-q', '--json', '-c', `echo ${SECOND} | apollo --session alone`], { home }));
}

function storedMessages(home: string, name: string): Promise<string[]> {
  return runAish(['sessions', 'show', name, '--json'], { home }).then((shown) => (JSON.parse(shown.stdout) as { messages: { content: string }[] }).messages.map((m) => m.content.trim()));
}

const ORDERED = [FIRST, `[apollo] ${FIRST}`, SECOND, `[apollo] ${SECOND}`];

/**
 * Starts the slow first message as `first` (aish ARGS from HOME), sends the second
 * as `second` once the first answer has begun, and checks the second was sent the
 * first exchange and both were stored in order in `home`'s database.
 */
async function takeTurns(home: string, first: { via: string[]; home: string }, second: { via: string[]; home: string }): Promise<void> {
  const running = await startedAnswering(['-q', ...first.via, '-c', `echo ${FIRST} | apollo ${SLOW} --session s`], first.home, '[apollo]');
  const answered = await runAish(['-q', '--json', ...second.via, '-c', `echo ${SECOND} | apollo --session s`], { home: second.home });
  expect((await running.result).status).toBe(0);
  expect(tokensIn(answered)).toBe(await contextAfterFirst());
  expect(await storedMessages(home, 's')).toEqual(ORDERED);
}

/** Runs `check` with `aish serve` running on `home`'s database. */
async function withServe(home: string, check: (url: string) => Promise<void>): Promise<void> {
  const served = await startServe(home);
  try {
    await check(served.url);
  } finally {
    await served.stop();
  }
}

describe('two processes on one session', () => {
  it('two embedded aish processes take turns: the second answer is sent the first exchange', async () => {
    const home = tempHome();
    await takeTurns(home, { via: [], home }, { via: [], home });
  }, 60_000);

  it('a process using aish serve and an embedded one on the same database take turns', async () => {
    const home = tempHome();
    await withServe(home, (url) => takeTurns(home, { via: ['--server', url], home: tempHome() }, { via: [], home }));
  }, 60_000);

  it('an embedded process and aish serve on the same database take turns the other way round too', async () => {
    const home = tempHome();
    await withServe(home, (url) => takeTurns(home, { via: [], home }, { via: ['--server', url], home: tempHome() }));
  }, 60_000);

  it('a process killed (SIGKILL) while answering blocks the session only until its lease ends; the next one then answers', async () => {
    const home = homeWithConfig('sessions:\n  lock_lease: 1\n');
    await aishC('echo hello | apollo --session s', { home });
    // Answers nothing for a day: it holds the session's lock until it is killed.
    const held = startAish(['-q', '-c', "echo held | apollo --model 'echo?ttft_ms=86400000' --session s"], { home });
    const heldResult = collect(held);
    const db = new Database(join(home, 'aish.db'), { readonly: true });
    const holder = (): string | undefined => (db.prepare('SELECT holder FROM session_locks').get() as { holder: string } | undefined)?.holder;
    try {
      while (!holder()?.startsWith(`${held.pid}:`)) await new Promise((resolve) => setTimeout(resolve, 50));
      held.kill('SIGKILL');
      expect((await heldResult).signal).toBe('SIGKILL');
      const next = await runAish(['-q', '-c', 'echo after | apollo --session s'], { home });
      expect(next.stderr).toBe('');
      expect(next).toMatchObject({ status: 0, stdout: '[apollo] after\n' });
      expect(holder()).toBeUndefined();
    } finally {
      db.close();
    }
    expect(await storedMessages(home, 's')).toEqual(['hello', '[apollo] hello', 'after', '[apollo] after']);
  }, 60_000);
});
