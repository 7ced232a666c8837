/** `--cache`: identical successful requests are answered from the exchange log, exactly and at no cost (docs/records-budgets-cache.md). */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { faultHome } from '../faults/support/fault-home.js';
import { startServeWith, type ServeProcess } from '../faults/support/serve-process.js';
import { lastMessage, startScriptedProvider, type ScriptedProvider } from '../faults/support/scripted-provider.js';
import { runAish, type RunResult } from '../support/aish.js';

let fake: ScriptedProvider | undefined;
let served: ServeProcess | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
  await fake?.close();
  fake = undefined;
});

const PRICES = 'prices:\n  openai/fake: { input: 1000, output: 2000 }\n';

/** A fake OpenAI that answers `answer: MESSAGE` in two pieces (with a tail that is not a newline) and reports 10 + 5 tokens. */
async function answeringHome(extra = ''): Promise<string> {
  fake = await startScriptedProvider([], (request) => ({ kind: 'answer', pieces: ['answer: ', `${lastMessage(request)} \t`], usage: { prompt: 10, completion: 5 } }));
  return faultHome(fake.origin, { extra: PRICES + extra });
}

function history(home: string): Promise<{ id: number; cached_from: number | null; cost_usd: number | null; status: string; session_id: string | null }[]> {
  return runAish(['history', '--json'], { home }).then((result) => JSON.parse(result.stdout).exchanges);
}

function usage(result: RunResult): string[] {
  return result.stderr.split('\n').filter((line) => line.startsWith('aish: usage:'));
}

describe('--cache', () => {
  it('answers the same request again from the log: the same bytes, no call to the provider, cost 0, cached_from in the history and cached in --usage', { timeout: 60_000 }, async () => {
    const home = await answeringHome();
    const first = await runAish(['--usage', '-c', 'apollo "classify this"'], { home });
    expect(first.status).toBe(0);
    expect(fake!.requests).toHaveLength(1);
    const again = await runAish(['--cache', '--usage', '-c', 'apollo "classify this"'], { home });
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    expect(fake!.requests).toHaveLength(1);
    const [original, replayed] = await history(home);
    expect(replayed!.cached_from).toBe(original!.id);
    expect(replayed!.cost_usd).toBe(0);
    expect(original!.cost_usd).toBeGreaterThan(0);
    expect(usage(again)).toEqual([`aish: usage: apollo 10 in / 5 out tokens, $0, cached (exchange ${original!.id}) (openai/fake)`]);
  });

  it('makes a real call for anything that changes the request: message, specialist (system prompt), model, temperature, max tokens', { timeout: 60_000 }, async () => {
    const home = await answeringHome();
    const lines = ['apollo one', 'apollo two', 'athena one', 'apollo --model openai/other one', 'apollo --temperature 0.5 one', 'apollo --max-tokens 7 one'];
    for (const line of lines) expect((await runAish(['--cache', '-c', line], { home })).status).toBe(0);
    expect(fake!.requests).toHaveLength(lines.length);
    for (const line of lines) expect((await runAish(['--cache', '-c', line], { home })).status).toBe(0);
    expect(fake!.requests).toHaveLength(lines.length);
  });

  it('is on with AISH_CACHE=1 or cache.enabled in the config, and --no-cache makes a real call anyway', { timeout: 60_000 }, async () => {
    const home = await answeringHome('cache: { enabled: true, ttl: 7d }\n');
    await runAish(['-c', 'apollo hello'], { home });
    await runAish(['-c', 'apollo hello'], { home });
    expect(fake!.requests).toHaveLength(1);
    await runAish(['--no-cache', '-c', 'apollo hello'], { home });
    expect(fake!.requests).toHaveLength(2);
    await runAish(['-c', 'apollo bye'], { home, env: { AISH_CACHE: '0' } });
    await runAish(['-c', 'apollo bye'], { home, env: { AISH_CACHE: '1' } });
    expect(fake!.requests).toHaveLength(3);
    const bad = await runAish(['-c', 'apollo bye'], { home, env: { AISH_CACHE: 'maybe' } });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^aish: AISH_CACHE must be 1 or 0/);
  });

  it('never answers from a failed or cut-short call', { timeout: 60_000 }, async () => {
    fake = await startScriptedProvider([{ kind: 'pieces-then', pieces: ['half an '], then: 'drop' }], { kind: 'answer', pieces: ['whole answer'] });
    const home = faultHome(fake.origin, { limits: { max_attempts: 1 } });
    const failed = await runAish(['--cache', '-c', 'apollo question'], { home });
    expect(failed.status).not.toBe(0);
    const real = await runAish(['--cache', '-c', 'apollo question'], { home });
    expect(real.stdout).toBe('whole answer\n');
    expect(fake.requests).toHaveLength(2);
  });

  it('keys a session message with the context sent, and a cached answer is still appended to the session', { timeout: 60_000 }, async () => {
    const home = await answeringHome();
    await runAish(['--cache', '-c', 'apollo --session s1 same'], { home });
    // The same words in another new session: the same request, answered from the cache.
    const cached = await runAish(['--cache', '-c', 'apollo --session s2 same'], { home });
    expect(cached.stdout).toBe('answer: same \t\n');
    expect(fake!.requests).toHaveLength(1);
    // In s1 the model would see the earlier exchange: another request.
    await runAish(['--cache', '-c', 'apollo --session s1 same'], { home });
    expect(fake!.requests).toHaveLength(2);
    const shown = JSON.parse((await runAish(['sessions', 'show', 's2', '--json'], { home })).stdout) as { messages: { role: string; content: string }[] };
    expect(shown.messages.map((message) => `${message.role}: ${message.content}`)).toEqual(['user: same', 'assistant: answer: same \t']);
  });

  it('stops answering after its ttl, and after aish cache clear, while the exchanges stay in the history', { timeout: 60_000 }, async () => {
    const home = await answeringHome('cache: { ttl: 1d }\n');
    await runAish(['-c', 'apollo old'], { home });
    await runAish(['-c', 'apollo new'], { home });
    // Two days ago, as far as the log knows.
    const db = new Database(join(home, 'aish.db'));
    db.prepare("UPDATE exchanges SET started_at = started_at - 2 * 86400000 WHERE message = 'old'").run();
    db.close();
    await runAish(['--cache', '-c', 'apollo old'], { home });
    await runAish(['--cache', '-c', 'apollo new'], { home });
    expect(fake!.requests).toHaveLength(3);
    const stats = JSON.parse((await runAish(['cache', 'stats', '--json'], { home })).stdout);
    expect(stats).toEqual({ entries: 3, hits_7d: 1, saved_usd_7d: 0.02 });
    const cleared = await runAish(['cache', 'clear', '--older-than', '1d'], { home });
    expect(cleared.stderr).toBe('aish: cache: 1 answer will not answer again (the exchanges stay in the history)\n');
    const all = await runAish(['cache', 'clear'], { home });
    expect(all.status).toBe(0);
    await runAish(['--cache', '-c', 'apollo new'], { home });
    expect(fake!.requests).toHaveLength(4);
    // old, new, old again (too old to answer), new from the cache, new after the clear.
    expect(await history(home)).toHaveLength(5);
    expect(JSON.parse((await runAish(['cache', 'stats', '--json'], { home })).stdout).entries).toBe(1);
  });

  it('aish cache with a wrong verb or value says what it takes', async () => {
    const home = await answeringHome();
    const wrong = await runAish(['cache', 'purge'], { home });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/^aish: cache: unknown command 'purge' \(stats or clear\)\nusage: aish cache stats/);
    const bad = await runAish(['cache', 'clear', '--older-than', 'soon'], { home });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--older-than needs a duration such as 7d, 12h or 30m, not 'soon'/);
  });

  it('aish serve --cache answers its clients from its own database; a client with --cache asks for it', { timeout: 60_000 }, async () => {
    const home = await answeringHome();
    served = await startServeWith(['--cache', '--db', join(home, 'server.db')], { home });
    const one = await runAish(['--server', served.url, '-c', 'apollo shared'], { home });
    const two = await runAish(['--server', served.url, '--usage', '-c', 'apollo shared'], { home });
    expect(two.stdout).toBe(one.stdout);
    expect(fake!.requests).toHaveLength(1);
    expect(usage(two)[0]).toMatch(/^aish: usage: apollo 10 in \/ 5 out tokens, \$0, cached \(exchange \d+\) \(openai\/fake\)$/);
    // --no-cache asks the server for a real call.
    await runAish(['--server', served.url, '--no-cache', '-c', 'apollo shared'], { home });
    expect(fake!.requests).toHaveLength(2);
    const server = JSON.parse((await runAish(['cache', 'stats', '--json'], { home, env: { AISH_DB: join(home, 'server.db') } })).stdout);
    expect(server.hits_7d).toBe(1);
  });
});
