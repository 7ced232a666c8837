/**
 * `NAME=value` before a stage (docs/language.md "Scripts"): it reaches a Unix
 * command's environment and the first command of an alias; before a
 * specialist it would change nothing, so it is refused and nothing is sent.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aishC, runAish, tempHome } from '../support/aish.js';

describe('assignments before a stage', () => {
  it('NAME=value before a specialist is an error with status 1, and no message is sent', async () => {
    const home = tempHome();
    const result = await runAish(['--json', '-c', 'TONE=dry apollo "hi" > answer.txt; echo next'], { home });
    const document = JSON.parse(result.stdout) as { status: number; stdout: string; exchanges: unknown[] };
    expect(result.stderr).toContain("aish: 'TONE=dry' before the specialist 'apollo' would change nothing (a model has no environment), so nothing was sent");
    expect(document.exchanges).toEqual([]);
    expect(document.stdout).toBe('next\n');
    expect(existsSync(join(home, 'answer.txt'))).toBe(false);
    const alone = await aishC('TONE=dry apollo "hi"', { home });
    expect(alone.status).toBe(1);
    expect(alone.stdout).toBe('');
  });

  it('NAME=value before team-chat or an alias that starts with a specialist is refused the same way', async () => {
    const result = await aishC(`X=1 team-chat "hi"; alias r='apollo "review"'; Y=2 r`);
    expect(result.stderr).toContain("aish: 'X=1' before 'team-chat' would change nothing");
    expect(result.stderr).toContain("aish: 'Y=2' before the specialist 'apollo' would change nothing");
    expect(result.stdout).toBe('');
  });

  it('NAME=value before an alias reaches the command the alias starts with, as if its text were written there', async () => {
    const result = await aishC(`alias show=printenv; GREETING=hello show GREETING; alias first='printenv WORD | tr a-z A-Z'; WORD=loud first`);
    expect(result.stdout).toBe('hello\nLOUD\n');
    expect(result.status).toBe(0);
  });
});
