/** `--max-cost` and `budget:`: calls are not started past the cap, answers are stopped at it, exit 7 (docs/records-budgets-cache.md). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { faultHome, fileContent, sessionMessages } from '../faults/support/fault-home.js';
import { lastMessage, startScriptedProvider, type ScriptedProvider, type Step } from '../faults/support/scripted-provider.js';
import { runAish } from '../support/aish.js';
import { connect } from '../support/ws-rpc.js';
import { startServeWith } from '../faults/support/serve-process.js';

let fake: ScriptedProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/**
 * One specialist, `tiny`, with a one-letter system prompt, on a fake model
 * priced at a cent a token (input and output), so costs are easy to follow:
 * `s` + the message `q` is one token of input ($0.01).
 */
async function pricedHome(answer: (message: string) => Step, extra = ''): Promise<string> {
  fake = await startScriptedProvider([], (request) => answer(lastMessage(request)));
  return faultHome(fake.origin, {
    extra: ['builtin_roster: false', 'specialists:', '  tiny: { system: s }', 'prices:', '  openai/fake: { input: 10000, output: 10000 }', '  openai/free: { input: 0, output: 0 }', extra].join('\n'),
  });
}

const TEN_PIECES: Step = { kind: 'answer', pieces: Array.from({ length: 10 }, () => 'abcdefgh'), usage: { prompt: 1, completion: 20 } };

describe('--max-cost', () => {
  it('does not start a call whose input alone would pass the cap', { timeout: 60_000 }, async () => {
    const home = await pricedHome(() => TEN_PIECES);
    const result = await runAish(['-q', '--max-cost', '0.001', '-c', 'tiny "a question of some length"'], { home });
    expect(result.status).toBe(7);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('aish: budget: $0.0010 reached ($0.0000 spent); stopped before tiny\n');
    expect(fake!.requests).toHaveLength(0);
  });

  it('stops a streaming answer the moment it would pass the cap: exit 7, no half-written file, no half exchange in a session', { timeout: 60_000 }, async () => {
    const home = await pricedHome(() => TEN_PIECES);
    // $0.01 of input, then $0.02 a piece: the third piece would pass $0.05.
    const terminal = await runAish(['-q', '--max-cost', '0.05', '-c', 'tiny q'], { home });
    expect(terminal.status).toBe(7);
    expect(terminal.stdout).toBe('abcdefghabcdefgh\n');
    expect(terminal.stderr).toBe('aish: budget: $0.05 reached ($0.0700 spent); stopped tiny mid-answer; the answer is incomplete\n');
    const file = join(home, 'out.txt');
    writeFileSync(file, 'old content\n');
    const redirected = await runAish(['-q', '--max-cost', '0.05', '-c', `tiny q > ${file}`], { home });
    expect(redirected.status).toBe(7);
    expect(fileContent(file)).toBe('old content\n');
    const session = await runAish(['-q', '--max-cost', '0.05', '-c', 'tiny --session kept q'], { home });
    expect(session.status).toBe(7);
    expect(await sessionMessages(home, 'kept')).toEqual([]);
  });

  it('refuses a model whose price is unknown, naming it and the prices: key', { timeout: 60_000 }, async () => {
    const home = await pricedHome(() => TEN_PIECES);
    const result = await runAish(['-q', '--max-cost', '5', '-c', 'tiny --model openai/mystery q'], { home });
    expect(result.status).toBe(7);
    expect(result.stderr).toBe('aish: budget: tiny: the model openai/mystery has no known price, so it is not called under a budget; add it under prices: in config.yaml\n');
    expect(fake!.requests).toHaveLength(0);
  });

  it('a cached answer costs nothing and is never refused', { timeout: 60_000 }, async () => {
    const home = await pricedHome(() => ({ kind: 'answer', pieces: ['cached words'], usage: { prompt: 1, completion: 3 } }));
    expect((await runAish(['-q', '-c', 'tiny q'], { home })).status).toBe(0);
    const cached = await runAish(['-q', '--cache', '--max-cost', '0', '-c', 'tiny q'], { home });
    expect(cached.status).toBe(0);
    expect(cached.stdout).toBe('cached words\n');
    expect(fake!.requests).toHaveLength(1);
  });

  it('is read from AISH_MAX_COST and budget.per_run, and a bad amount is refused', { timeout: 60_000 }, async () => {
    const home = await pricedHome(() => TEN_PIECES, 'budget: { per_run: 0.001 }');
    expect((await runAish(['-q', '-c', 'tiny q'], { home })).status).toBe(7);
    expect((await runAish(['-q', '-c', 'tiny q'], { home, env: { AISH_MAX_COST: '0.001' } })).status).toBe(7);
    const bad = await runAish(['-q', '-c', 'tiny q'], { home, env: { AISH_MAX_COST: 'lots' } });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe("aish: AISH_MAX_COST needs an amount of US dollars, 0 or more (such as 0.50), not 'lots'\n");
    expect(fake!.requests).toHaveLength(0);
  });

  it('budget.per_day counts what the exchange log says was spent today', { timeout: 60_000 }, async () => {
    // Each answer reports 3 + 2 tokens: $0.05.
    const home = await pricedHome(() => ({ kind: 'answer', pieces: ['ok'], usage: { prompt: 3, completion: 2 } }), 'budget: { per_day: 0.05 }');
    expect((await runAish(['-q', '-c', 'tiny one'], { home })).status).toBe(0);
    const next = await runAish(['-q', '-c', 'tiny two'], { home });
    expect(next.status).toBe(7);
    expect(next.stderr).toBe('aish: budget: $0.05 a day reached ($0.0500 spent today); stopped before tiny\n');
    expect(fake!.requests).toHaveLength(1);
  });

  it('starts no later record of an --each run once the cap is reached', { timeout: 60_000 }, async () => {
    // Each record costs $0.02 (1 + 1 tokens); the third is stopped mid-answer.
    const home = await pricedHome((message) => ({ kind: 'answer', pieces: [`${message}!`], usage: { prompt: 1, completion: 1 } }));
    const result = await runAish(['-q', '--max-cost', '0.05', '-c', 'tiny --each -j 1'], { home, stdin: 'r1\nr2\nr3\nr4\nr5\n' });
    expect(result.status).toBe(7);
    expect(result.stdout).toBe('r1!\nr2!\n');
    expect(result.stderr).toBe('aish: budget: $0.05 reached ($0.0600 spent); stopped tiny mid-answer; the answer is incomplete\n');
    expect(fake!.requests).toHaveLength(3);
  });

  it("a server's budget_per_day refuses a client past it with 402 BUDGET_EXCEEDED, never retried: exit 7", { timeout: 60_000 }, async () => {
    // Each answer reports 3 + 2 tokens: $0.05, past the server's $0.03 a day.
    const home = await pricedHome(() => ({ kind: 'answer', pieces: ['ok'], usage: { prompt: 3, completion: 2 } }), 'server: { budget_per_day: 0.03 }');
    const served = await startServeWith(['--db', join(home, 'server.db')], { home });
    try {
      expect((await runAish(['-q', '--server', served.url, '-c', 'tiny one'], { home })).status).toBe(0);
      const refused = await runAish(['-q', '--server', served.url, '-c', 'tiny two'], { home });
      expect(refused.status).toBe(7);
      expect(refused.stderr).toMatch(/^aish: tiny: this client has spent its daily budget on this server \(\$0\.0500 of \$0\.03\)/);
      expect(fake!.requests).toHaveLength(1);
      const response = await fetch(`${served.url}/api/v2/ai/tiny/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: 'three' }) });
      expect(response.status).toBe(402);
      expect(response.headers.get('x-budget-limit')).toBe('0.03');
      expect(response.headers.get('x-budget-spent')).toBe('0.05');
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('BUDGET_EXCEEDED');
    } finally {
      await served.stop();
    }
  });

  it("a server's budget_per_day counts WebSocket calls too: a client that spent it over WebSocket is refused over HTTP", { timeout: 60_000 }, async () => {
    const home = await pricedHome(() => ({ kind: 'answer', pieces: ['ok'], usage: { prompt: 3, completion: 2 } }), 'server: { budget_per_day: 0.03 }');
    const served = await startServeWith(['--db', join(home, 'server.db')], { home });
    try {
      const client = await connect(`${served.url.replace('http', 'ws')}/ws/ai/tiny`);
      const answer = await client.exchange(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'chat', params: { message: 'one' } }));
      expect(answer.result).toBeDefined();
      const refused = await client.exchange(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'chat', params: { message: 'two' } }));
      expect(refused.error.code).toBe(-32007);
      client.socket.close();
      const response = await fetch(`${served.url}/api/v2/ai/tiny/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: 'three' }) });
      expect(response.status).toBe(402);
      expect(fake!.requests).toHaveLength(1);
    } finally {
      await served.stop();
    }
  });

  it("a server's budget_per_day is kept in its database: a restarted server still refuses the client", { timeout: 60_000 }, async () => {
    const home = await pricedHome(() => ({ kind: 'answer', pieces: ['ok'], usage: { prompt: 3, completion: 2 } }), 'server: { budget_per_day: 0.03 }');
    const ask = (url: string) => fetch(`${url}/api/v2/ai/tiny/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: 'again' }) });
    const first = await startServeWith(['--db', join(home, 'server.db')], { home });
    try {
      expect((await ask(first.url)).status).toBe(200);
    } finally {
      await first.stop();
    }
    const second = await startServeWith(['--db', join(home, 'server.db')], { home });
    try {
      const response = await ask(second.url);
      expect(response.status).toBe(402);
      expect(response.headers.get('x-budget-spent')).toBe('0.05');
      expect(fake!.requests).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});
