/** `--dry-run FILE ARGS` shows the script's arguments in place; `AISH_SESSION` names the session `-C` continues. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aishC, runAish, tempHome } from '../support/aish.js';

describe('--dry-run with script arguments', () => {
  it('shows $1 and $2 as the values given after the file', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'd.aish'), 'echo "$1" | apollo "$2"\n');
    const result = await runAish(['--dry-run', 'd.aish', 'hello', 'review'], { home });
    expect(result.stdout).toContain('echo: builtin — hello');
    expect(result.stdout).toContain('apollo: specialist, model echo — review');
  });
});

describe('AISH_SESSION', () => {
  it('names the session -C continues, whatever this terminal used last', async () => {
    const home = tempHome();
    await aishC('echo first | apollo --session named', { home });
    await aishC('echo other | apollo --session elsewhere', { home });
    await aishC('echo again | apollo -C', { home, env: { AISH_SESSION: 'named' } });
    const shown = await runAish(['sessions', 'show', 'named'], { home });
    expect(shown.stdout).toContain('again');
    expect((await runAish(['sessions', 'show', 'elsewhere'], { home })).stdout).not.toContain('again');
  });
});
