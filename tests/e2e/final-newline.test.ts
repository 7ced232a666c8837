/**
 * An answer ends with a newline whenever it leaves the AI stages — the
 * terminal, a file, a Unix command in the same pipeline — even when the model
 * sent none; between AI stages the bytes pass unchanged; `$(…)` drops the
 * newline as sh does (cli.md "Streams").
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aishC } from '../support/aish.js';
import { faultHome } from '../faults/support/fault-home.js';
import { startScriptedProvider, type ScriptedProvider } from '../faults/support/scripted-provider.js';

let provider: ScriptedProvider;
let home: string;

beforeAll(async () => {
  // Every answer is `hi there`, in two pieces and with no final newline, as real models answer.
  provider = await startScriptedProvider([], { kind: 'answer', pieces: ['hi', ' there'] });
  home = faultHome(provider.origin);
});

afterAll(async () => {
  await provider.close();
});

const run = (line: string) => aishC(line, { home });

describe('answers without a final newline', () => {
  it('end their line on the terminal, so the next output starts on its own line', async () => {
    expect((await run('apollo hi; echo next')).stdout).toBe('hi there\nnext\n');
  });

  it('end their line into a Unix command: apollo hi | cat; echo next prints two lines', async () => {
    expect((await run('apollo hi | cat; echo next')).stdout).toBe('hi there\nnext\n');
    expect((await run('apollo hi | wc -l')).stdout.trim()).toBe('1');
  });

  it('end their line in a file, with > and with >>', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'aish-newline-'));
    const file = join(folder, 'answer.txt');
    await run(`apollo hi > ${file}; apollo again >> ${file}`);
    expect(readFileSync(file, 'utf8')).toBe('hi there\nhi there\n');
  });

  it('pass unchanged to the next AI stage', async () => {
    const before = provider.requests.length;
    await run('apollo hi | athena');
    const second = JSON.parse(provider.requests[before + 1]!.body) as { messages: { role: string; content: string }[] };
    expect(second.messages.at(-1)!.content).toBe('hi there');
  });

  it('lose their trailing newline inside $(…), as in sh', async () => {
    expect((await run('echo "[$(apollo hi)]"')).stdout).toBe('[hi there]\n');
  });

  it('get the newline too when cut short, before the message that says so', async () => {
    provider.script([{ kind: 'pieces-then', pieces: ['partial'], then: 'drop' }]);
    const result = await run('apollo hi; echo next');
    expect(result.stdout).toBe('partial\nnext\n');
    expect(result.stderr).toMatch(/aish: apollo: .*the answer is incomplete/);
  });
});

describe('a timeout after part of an answer', () => {
  it('says the answer is incomplete, as other mid-answer failures do, after ending its line', async () => {
    const result = await aishC(`apollo --model 'echo?tps=4' --timeout 1 << "one two three four five six seven eight nine ten"; echo next`);
    expect(result.stderr).toMatch(/aish: apollo: timed out after 1 s; the answer is incomplete/);
    expect(result.stdout).toMatch(/^\[apollo\] one [^\n]*\nnext\n$/);
  });
});
