/** `aish --dry-run`: the resolved plan, and nothing runs or is sent. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAish, tempHome } from '../support/aish.js';

describe('--dry-run', () => {
  it('shows each stage, the specialist and model, routing, parallel branches and what waits', async () => {
    const home = tempHome();
    const result = await runAish(['--dry-run', '-c', 'cat notes | apol "find bugs" > out.md && {apollo|athena} << "x"; @code-analysis "review"'], { home });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("2. apollo: specialist ('apol' by prefix), model echo — find bugs [> out.md]; waits for all of stage 1");
    expect(result.stdout).toContain('then, if that succeeded: pipeline: {apollo, athena}');
    expect(result.stdout).toContain('2 branches run in parallel, answers in this order:');
    expect(result.stdout).toContain('a) apollo: specialist, model echo');
    expect(result.stdout).toContain('@code-analysis → apollo (code-analysis 0.95, primary');
    expect(existsSync(join(home, 'out.md'))).toBe(false);
    expect(result.stderr).toBe('');
  });

  it('a name that does not resolve is shown, with exit status 3', async () => {
    const result = await runAish(['--dry-run', '-c', 'echo hi | apolo']);
    expect(result.stdout).toContain("error: 'apolo' not found. Did you mean: apollo? (exit status 3)");
    expect(result.status).toBe(3);
  });
});
