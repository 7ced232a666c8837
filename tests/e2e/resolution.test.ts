/** Name resolution from the real CLI: a specialist never silently replaces a Unix command. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aishC, tempHome } from '../support/aish.js';

/** A home whose Markdown specialists are these names. */
function homeWithSpecialists(...names: string[]): string {
  const home = tempHome();
  const folder = join(home, '.config', 'aish', 'specialists');
  mkdirSync(folder, { recursive: true });
  for (const name of names) writeFileSync(join(folder, `${name}.md`), `You are ${name}.\n`);
  return home;
}

describe('a specialist and a Unix command with related names', () => {
  it('a command on PATH wins over a specialist whose name it starts', async () => {
    const home = homeWithSpecialists('catalog', 'headliner', 'sortie');
    const result = await aishC('echo hi | cat; seq 3 | head -1; printf "b\\na\\n" | sort', { home });
    expect(result.stdout).toBe('hi\n1\na\nb\n');
    expect(result.stderr).not.toContain('catalog');
  });

  it('a prefix that is no command still reaches the specialist', async () => {
    const home = homeWithSpecialists('catalog');
    const result = await aishC('echo hi | catal', { home });
    expect(result.stdout).toBe('[catalog] hi\n');
  });

  it('a specialist named like a command is used, and stderr says so once per run', async () => {
    const home = homeWithSpecialists('grep');
    const result = await aishC('echo one | grep; echo two | grep', { home });
    expect(result.stdout).toBe('[grep] one\n[grep] two\n');
    const notes = result.stderr.split('\n').filter((line) => line.includes("'grep' is the specialist grep"));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain("write 'command grep' or '!grep' for the command");
  });

  it('command NAME and !NAME force the Unix command, without a note', async () => {
    const home = homeWithSpecialists('grep');
    const result = await aishC('printf "a\\nb\\n" | command grep b; printf "c\\nd\\n" | !grep d', { home });
    expect(result.stdout).toBe('b\nd\n');
    expect(result.stderr).not.toContain('is the specialist');
  });
});
