import { describe, expect, it } from 'vitest';
import { parseAiArgs } from '../../src/plan/index.js';

describe('AI stage flags', () => {
  it('words that are not flags form the instruction', () => {
    expect(parseAiArgs(['find', 'bugs', '-v'])).toEqual({ ok: true, instruction: 'find bugs -v', options: {} });
  });

  it('reads every flag of an AI stage (docs/language.md "AI stages")', () => {
    const parsed = parseAiArgs([
      '--session', 'demo', '--get-id', '--context-window', '3', '--no-stream', '--temperature', '0.5',
      '--max-tokens', '100', '--model', 'ollama/llama3.1', '--timeout', '2.5', '--json', 'hi',
    ]);
    expect(parsed).toEqual({
      ok: true,
      instruction: 'hi',
      options: { session: 'demo', getId: true, contextWindow: 3, stream: false, temperature: 0.5, maxTokens: 100, model: 'ollama/llama3.1', timeoutSeconds: 2.5, json: true },
    });
  });

  it('a bare --session starts a new one and does not eat a question', () => {
    expect(parseAiArgs(['--session', 'what is my name?'])).toEqual({ ok: true, instruction: 'what is my name?', options: { session: true } });
    expect(parseAiArgs(['--session'])).toEqual({ ok: true, instruction: '', options: { session: true } });
    expect(parseAiArgs(['--session=my-project', 'x'])).toMatchObject({ options: { session: 'my-project' } });
  });

  it('-- ends the flags', () => {
    expect(parseAiArgs(['--', '--not-a-flag'])).toEqual({ ok: true, instruction: '--not-a-flag', options: {} });
  });

  it('rejects unknown flags and bad numbers with a clear message', () => {
    expect(parseAiArgs(['--bogus'])).toEqual({ ok: false, message: "unknown flag '--bogus' (write -- before text that starts with '--')" });
    expect(parseAiArgs(['--temperature', 'hot'])).toEqual({ ok: false, message: "'--temperature' needs a number from 0 to 2, not 'hot'" });
    expect(parseAiArgs(['--max-tokens', '1.5'])).toMatchObject({ ok: false });
    expect(parseAiArgs(['--timeout'])).toMatchObject({ ok: false });
    expect(parseAiArgs(['--model'])).toMatchObject({ ok: false });
  });
});
