/**
 * The builtin table is the one list of builtins: the planner, `help` and the
 * golden plans must all agree with it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_KINDS } from '../../src/exec/index.js';
import { aishC, runAish } from '../support/aish.js';
import { PLAN_GOLDEN_DIR } from '../plan/support.js';

const names = [...BUILTIN_KINDS.keys()];

describe('the builtin table', () => {
  it('every builtin in the table is planned as a builtin by the real CLI (team-chat as a fan-out)', async () => {
    const result = await runAish(['--dry-run', '--json', '-c', names.join('; ')]);
    const document = JSON.parse(result.stdout) as { pipelines: { text: string; stages: { kind: string; name?: string }[] }[] };
    const planned = document.pipelines.map((pipeline) => [pipeline.text, pipeline.stages[0]!.kind === 'builtin' ? pipeline.stages[0]!.name : pipeline.stages[0]!.kind]);
    expect(planned).toEqual(names.map((name) => [name, BUILTIN_KINDS.get(name) === 'fan-out-to-all' ? 'fanout' : name]));
  });

  it('a name outside the table is not planned as a builtin', async () => {
    const result = await runAish(['--dry-run', '--json', '-c', 'ls']);
    expect(JSON.parse(result.stdout).pipelines[0].stages[0].kind).toBe('unix');
  });

  it('help lists every builtin', async () => {
    const help = (await aishC('help')).stdout;
    // Names such as `:` and `.` are not words: each must start a line and be followed by a blank.
    for (const name of names) expect(help).toMatch(new RegExp(`^  ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`, 'm'));
  });

  it('the golden plan of every builtin names each one in the table', () => {
    const golden = readFileSync(join(PLAN_GOLDEN_DIR, 'builtins', '001-every-builtin.out'), 'utf8');
    const plannedBuiltins = [...golden.matchAll(/builtin (\S+)/g)].map((match) => match[1]);
    expect(plannedBuiltins.sort()).toEqual(names.filter((name) => BUILTIN_KINDS.get(name) === 'runs').sort());
  });
});
