/** `--usage` and `aish history --cost`: tokens and money per answer, per pipeline and summed. */
import { afterEach, describe, expect, it } from 'vitest';
import { costOf, priceOf } from '../../src/config/index.js';
import { startFakeProviderServer, type FakeProviderServer } from '../providers/support/fake-provider-server.js';
import { fixtureReply } from '../providers/support/fixtures.js';
import { aishC, homeWithConfig, runAish, tempHome } from '../support/aish.js';

let fake: FakeProviderServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A home whose specialists answer from a fake OpenAI replaying a transcript that reports 31 input and 22 output tokens. */
async function openAiHome(model: string, extra = ''): Promise<string> {
  fake = await startFakeProviderServer(fixtureReply('openai-chat-stream.sse'));
  return homeWithConfig(`providers:\n  openai: { api_key: sk-test, base_url: "${fake.origin}/v1" }\ndefault_model: ${model}\n${extra}`);
}

function usageLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('aish: usage:'));
}

describe('--usage', () => {
  it('prints the tokens and cost of the answer on stderr, and leaves stdout alone', async () => {
    const home = await openAiHome('openai/gpt-4o-mini');
    const plain = await aishC('apollo hi', { home });
    const result = await runAish(['--usage', '-c', 'apollo hi'], { home });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(plain.stdout);
    // gpt-4o-mini: 31 × $0.15 + 22 × $0.60 per million tokens.
    expect(usageLines(result.stderr)).toEqual(['aish: usage: apollo 31 in / 22 out tokens, $0.000018 (openai/gpt-4o-mini)']);
  });

  it('adds a total for a fan-out, and prints even with -q', async () => {
    const home = await openAiHome('openai/gpt-4o-mini');
    const result = await runAish(['-q', '--usage', '-c', 'apollo,athena << "compare"'], { home });
    expect(result.status).toBe(0);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'aish: usage: apollo 31 in / 22 out tokens, $0.000018 (openai/gpt-4o-mini)',
      'aish: usage: athena 31 in / 22 out tokens, $0.000018 (openai/gpt-4o-mini)',
      'aish: usage: total 62 in / 44 out tokens, $0.000036',
    ]);
  });

  it('totals each pipeline of a line on its own', async () => {
    const home = await openAiHome('openai/gpt-4o-mini');
    const result = await runAish(['--usage', '-c', 'echo x | apollo | athena; apollo again'], { home });
    expect(usageLines(result.stderr)).toEqual([
      'aish: usage: apollo 31 in / 22 out tokens, $0.000018 (openai/gpt-4o-mini)',
      'aish: usage: athena 31 in / 22 out tokens, $0.000018 (openai/gpt-4o-mini)',
      'aish: usage: total 62 in / 44 out tokens, $0.000036',
      'aish: usage: apollo 31 in / 22 out tokens, $0.000018 (openai/gpt-4o-mini)',
    ]);
  });

  it('is a shell option too: set -o usage, set +o usage', async () => {
    const home = tempHome();
    const result = await aishC('apollo one; set -o usage; apollo two; set +o usage; apollo three', { home });
    expect(result.stdout).toBe('[apollo] one\n[apollo] two\n[apollo] three\n');
    expect(usageLines(result.stderr)).toEqual([expect.stringMatching(/^aish: usage: apollo \d+ in \/ 2 out tokens, \$0 \(echo\)$/)]);
  });

  it('uses prices from the config file, and says "cost unknown" for a model without one', async () => {
    const prices = 'prices:\n  openai/gpt-4o-mini: { input: 10000, output: 100000 }\n';
    const priced = await runAish(['--usage', '-c', 'apollo hi'], { home: await openAiHome('openai/gpt-4o-mini', prices) });
    expect(usageLines(priced.stderr)).toEqual(['aish: usage: apollo 31 in / 22 out tokens, $2.51 (openai/gpt-4o-mini)']);
    await fake?.close();
    const unknown = await runAish(['--usage', '-c', 'apollo hi; apollo,athena << "x"'], { home: await openAiHome('openai/my-local-model') });
    expect(usageLines(unknown.stderr)).toEqual([
      'aish: usage: apollo 31 in / 22 out tokens, cost unknown (openai/my-local-model)',
      'aish: usage: apollo 31 in / 22 out tokens, cost unknown (openai/my-local-model)',
      'aish: usage: athena 31 in / 22 out tokens, cost unknown (openai/my-local-model)',
      'aish: usage: total 62 in / 44 out tokens, cost unknown',
    ]);
  });

  it('a price in the config needs both numbers, each 0 or more', async () => {
    const home = homeWithConfig('prices:\n  openai/gpt-4o: { input: 2.5 }\n  gpt-x: { input: -1, output: 1 }\n');
    const result = await aishC('apollo hi', { home });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('prices.openai/gpt-4o: expected input and output prices (US dollars per million tokens); output missing');
    expect(result.stderr).toContain('prices.gpt-x.input: expected US dollars per million tokens, 0 or more, got -1');
  });
});

describe('aish history --cost', () => {
  it('sums tokens and cost by specialist and model', async () => {
    const home = await openAiHome('openai/gpt-4o-mini');
    await aishC('apollo one; apollo two; athena three', { home });
    const result = await runAish(['history', '--cost'], { home });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      [
        'SPECIALIST  MODEL               EXCHANGES  TOKENS IN  TOKENS OUT  COST',
        'apollo      openai/gpt-4o-mini  2          62         44          $0.000036',
        'athena      openai/gpt-4o-mini  1          31         22          $0.000018',
        'total                           3          93         66          $0.000054',
        '',
      ].join('\n'),
    );
  });

  it('--json is one document; unpriced exchanges are counted, not guessed', async () => {
    const home = await openAiHome('openai/gpt-4o-mini');
    await aishC('apollo one; athena --model openai/my-model two; athena --model echo three', { home });
    const result = await runAish(['history', '--cost', '--since', '1d', '--json'], { home });
    const document = JSON.parse(result.stdout);
    expect(Date.parse(document.since)).toBeLessThan(Date.now());
    expect(document.by_model).toEqual([
      { specialist: 'apollo', model: 'openai/gpt-4o-mini', exchanges: 1, tokens_in: 31, tokens_out: 22, cost_usd: 0.00001785, unpriced_exchanges: 0 },
      { specialist: 'athena', model: 'echo', exchanges: 1, tokens_in: expect.any(Number), tokens_out: 2, cost_usd: 0, unpriced_exchanges: 0 },
      { specialist: 'athena', model: 'openai/my-model', exchanges: 1, tokens_in: 31, tokens_out: 22, cost_usd: null, unpriced_exchanges: 1 },
    ]);
    expect(document.total).toMatchObject({ exchanges: 3, cost_usd: 0.00001785, unpriced_exchanges: 1 });
    const human = await runAish(['history', '--cost'], { home });
    expect(human.stdout).toMatch(/\nathena\s+openai\/my-model\s+1\s+31\s+22\s+unknown\n/);
    expect(human.stdout).toMatch(/\ntotal\s+3\s+\d+\s+46\s+\$0\.000018 \+ 1 unknown\n$/);
  });

  it('--since leaves out older exchanges; history --json carries tokens and cost', async () => {
    const home = await openAiHome('openai/claude-sonnet-4-5');
    await aishC('apollo one', { home });
    const future = await runAish(['history', '--cost', '--since', '2999-01-01', '--json'], { home });
    expect(JSON.parse(future.stdout).total).toEqual({ exchanges: 0, tokens_in: 0, tokens_out: 0, cost_usd: null, unpriced_exchanges: 0 });
    const listed = JSON.parse((await runAish(['history', '--json'], { home })).stdout);
    expect(listed.exchanges[0]).toMatchObject({ tokens_in: 31, tokens_out: 22, cost_usd: null, model: 'openai/claude-sonnet-4-5' });
  });
});

describe('the price table', () => {
  it('knows common hosted models, their dated snapshots, and that local models are free', () => {
    expect(priceOf('openai/gpt-4o-mini')).toEqual({ input: 0.15, output: 0.6 });
    expect(priceOf('openai/gpt-4o-2024-08-06')).toEqual({ input: 2.5, output: 10 });
    expect(priceOf('anthropic/claude-sonnet-4-5-20250929')).toEqual({ input: 3, output: 15 });
    expect(priceOf('anthropic/claude-haiku-4-5')).toEqual({ input: 1, output: 5 });
    expect(priceOf('openai/o4-mini')).toEqual({ input: 1.1, output: 4.4 });
    expect(priceOf('ollama/llama3.1')).toEqual({ input: 0, output: 0 });
    expect(priceOf('echo?ttft_ms=5')).toEqual({ input: 0, output: 0 });
    expect(priceOf('openai/my-finetune')).toBeUndefined();
    expect(priceOf('openai/constructor')).toBeUndefined();
  });

  it('lets the config override a price by reference or by bare model name', () => {
    expect(priceOf('openai/gpt-4o-mini', { 'openai/gpt-4o-mini': { input: 1, output: 2 } })).toEqual({ input: 1, output: 2 });
    expect(priceOf('openai/my-finetune', { 'my-finetune': { input: 3, output: 4 } })).toEqual({ input: 3, output: 4 });
    expect(costOf('openai/gpt-4o-mini', 1_000_000, 1_000_000)).toBeCloseTo(0.75);
    expect(costOf('openai/gpt-4o-mini', null, null)).toBeUndefined();
    expect(costOf('echo', null, null)).toBe(0);
  });
});
