import { describe, expect, it } from 'vitest';
import { aishC } from '../support/aish.js';

describe("the issue's first commands", () => {
  it('echo "hello" | apollo prints the echo answer', async () => {
    const result = await aishC('echo "hello" | apollo');
    expect(result.stdout).toBe('[apollo] hello\n');
    expect(result.status).toBe(0);
  });

  it('two specialists in a row each add their name', async () => {
    const result = await aishC('echo hi | apollo | athena');
    expect(result.stdout).toBe('[athena] [apollo] hi\n');
  });

  it('a fan-out prints both answers under headers in written order', async () => {
    const result = await aishC('apollo,athena << "x"');
    expect(result.stdout).toBe('── apollo ──\n[apollo] x\n── athena ──\n[athena] x\n');
  });

  it('an answer streams through a real wc -l', async () => {
    const result = await aishC('apollo | wc -l', { stdin: 'a\nb\n' });
    expect(result.stdout.trim()).toBe('2');
  });

  it('a trailing pipe is a syntax error with a caret, status 4, and nothing runs', async () => {
    const result = await aishC('echo hi | apollo |');
    expect(result.status).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      "aish: syntax error at 1:18: expected a specialist or command after '|'\n  echo hi | apollo |\n                   ^\n",
    );
  });

  it('a misspelt specialist exits 3 with a suggestion', async () => {
    const result = await aishC('echo hi | apolo');
    expect(result.status).toBe(3);
    expect(result.stderr).toContain("aish: 'apolo' not found. Did you mean: apollo?");
    expect(result.stdout).toBe('');
  });

  it('false || echo ok prints ok', async () => {
    const result = await aishC('false || echo ok');
    expect(result.stdout).toBe('ok\n');
    expect(result.status).toBe(0);
  });
});
