/** How aish wires stdin, stdout and stderr (docs/language.md "AI stages", docs/cli.md "Streams"). */
import { describe, expect, it } from 'vitest';
import { aishC, runAish } from '../support/aish.js';
import { spawnSync } from 'node:child_process';
import { AISH } from '../support/aish.js';

describe('streams', () => {
  it("piped stdin goes to the first stage that has no input", async () => {
    const result = await aishC('apollo "write a commit message"', { stdin: 'diff --git a b\n' });
    expect(result.stdout).toBe('[apollo] write a commit message\n\ndiff --git a b\n');
  });

  it('the first stage that reads stdin gets it all; later ones find it empty', async () => {
    const result = await aishC('apollo; athena "second"', { stdin: 'data\n' });
    expect(result.stdout).toBe('[apollo] data\n[athena] second\n');
  });

  it('empty stdin counts as no input', async () => {
    const result = await aishC('apollo "just this"', { stdin: '' });
    expect(result.stdout).toBe('[apollo] just this\n');
  });

  it('a script read from stdin never feeds its stages', async () => {
    const result = await runAish([], { stdin: 'apollo "only the instruction"\necho done\n' });
    expect(result.stdout).toBe('[apollo] only the instruction\ndone\n');
  });

  it('an answer without a final newline gets one on the terminal, in a file and into a Unix command', async () => {
    expect((await aishC('apollo << "x"')).stdout).toBe('[apollo] x\n');
    expect((await aishC('apollo << "x" | wc -c')).stdout.trim()).toBe('11');
    expect((await aishC('apollo << "x" | wc -l')).stdout.trim()).toBe('1');
  });

  it('between AI stages an answer passes unchanged, with no newline added', async () => {
    expect((await aishC('apollo << "x" | athena | wc -c')).stdout.trim()).toBe(String('[athena] [apollo] x\n'.length));
  });

  it('the echo notice is on stderr, once per run, and -q hides it', async () => {
    const loud = await aishC('echo a | apollo; echo b | athena');
    expect(loud.stderr.match(/offline echo model/g)?.length).toBe(1);
    expect(loud.stdout).toBe('[apollo] a\n[athena] b\n');
    const quiet = await runAish(['-q', '-c', 'echo a | apollo']);
    expect(quiet.stderr).toBe('');
  });

  it('a long script writes no warnings (nothing piles up per stage)', async () => {
    const line = Array.from({ length: 30 }, (_, i) => `echo ${i} | apollo`).join('; ');
    const result = await aishC(line, { env: { NODE_OPTIONS: '' } });
    expect(result.stdout.split('\n')).toHaveLength(31);
    expect(result.stderr).not.toMatch(/Warning/);
  });

  it('yes | head -1 ends cleanly with no EPIPE noise', async () => {
    const result = await aishC('yes | head -1');
    expect(result.stdout).toBe('y\n');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('a reader that leaves early does not fail an AI stage', async () => {
    const result = await aishC(`apollo << 'one
two
three' | head -1`);
    expect(result.stdout).toBe('[apollo] one\n');
    expect(result.status).toBe(0);
    expect(result.stderr).not.toMatch(/EPIPE|Error/);
  });

  it("aish's own stdout closing early is quiet", () => {
    const run = spawnSync('sh', ['-c', `"${AISH}" -c 'seq 1 200000 | apollo "x"' | head -c 5`], {
      encoding: 'utf8',
      env: { ...process.env, HOME: '/tmp' },
      timeout: 15_000,
    });
    expect(run.stdout).toBe('[apol');
    expect(run.stderr).not.toMatch(/EPIPE|Error/);
  });

  it('a Unix stage feeds an AI stage and back', async () => {
    const result = await aishC("printf 'b\\na\\n' | sort | apollo | tr a-z A-Z");
    expect(result.stdout).toBe('[APOLLO] A\nB\n');
  });

  it('cmd 2>&1 | next sends stderr into the pipe', async () => {
    const result = await aishC('ls /nonexistent-aish 2>&1 | wc -l');
    expect(result.stdout.trim()).toBe('1');
    expect(result.stderr).toBe('');
  });

  it('$(…) substitutes an aish command line without trailing newlines', async () => {
    const result = await aishC('echo "got: $(echo hi | apollo)."');
    expect(result.stdout).toBe('got: [apollo] hi.\n');
  });

  it('set variables and the environment expand', async () => {
    const result = await aishC('set WHO=world; echo "hello $WHO" ${WHO}s $AISH_TEST_VAR', { env: { AISH_TEST_VAR: 'from-env' } });
    expect(result.stdout).toBe('hello world worlds from-env\n');
  });

  it('& runs in the background and wait waits for it', async () => {
    const result = await aishC(`sh -c 'sleep 0.3; echo late' & echo early; wait; echo end`);
    expect(result.stdout).toBe('early\nlate\nend\n');
    expect(result.stderr).toBe('');
  });

  it('--json writes the full result object', async () => {
    const result = await aishC('apollo --json << "hi"');
    const answer = JSON.parse(result.stdout);
    expect(answer).toMatchObject({ content: '[apollo] hi', specialist_id: 'apollo', model: 'echo', finish_reason: 'stop' });
    expect(answer.tokens_used.output).toBe(2);
  });

  it('a fan-out with --json is one object keyed by branch', async () => {
    const result = await aishC('apollo,athena,apollo --json << "q"');
    expect(JSON.parse(result.stdout)).toEqual({
      apollo: { specialist: 'apollo', content: '[apollo] q', status: 'success' },
      athena: { specialist: 'athena', content: '[athena] q', status: 'success' },
      'apollo#2': { specialist: 'apollo', content: '[apollo] q', status: 'success' },
    });
  });

  it('fan-out output keeps the written order whatever order branches finish in', async () => {
    const result = await aishC(`{apollo --model 'echo?ttft_ms=300', athena, (hermes | wc -c)} << "x"`);
    expect(result.stdout).toBe('── apollo ──\n[apollo] x\n── athena ──\n[athena] x\n── hermes | wc -c ──\n11\n');
  });

  it('a failed branch is reported, the others still print, and the status is 1', async () => {
    const result = await aishC('{apollo --model ollama/x, athena} << "x"');
    expect(result.stdout).toBe('── apollo ──\n── athena ──\n[athena] x\n');
    expect(result.stderr).toContain('aish: apollo:');
    expect(result.status).toBe(1);
  });
});
