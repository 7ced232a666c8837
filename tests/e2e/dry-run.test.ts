/** `aish --dry-run`: the resolved plan, and nothing runs or is sent. */
import { existsSync, writeFileSync } from 'node:fs';
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

  it('a script of if, while and for is shown part by part, and nothing in it runs', { timeout: 60_000 }, async () => {
    const home = tempHome();
    writeFileSync(
      join(home, 'review.aish'),
      [
        'if git diff --quiet; then echo clean > state.txt; else git diff | apollo "review" > review.md; fi',
        'n=0; while read -r t; do n=$((n+1)); echo "$n: $t" | athena; done < tickets.txt > numbered.txt',
        'for f in notes/*.md; do apollo "one-line summary" < "$f"; done > summaries.txt',
        '',
      ].join('\n'),
    );
    const result = await runAish(['--dry-run', 'review.aish'], { home });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('  1. if: compound command, run in the shell\n     if:\n       pipeline: git diff --quiet\n');
    expect(result.stdout).toContain('     then:\n       pipeline: echo clean > state.txt\n         1. echo: builtin — clean [> state.txt]\n');
    expect(result.stdout).toContain("     else:\n       pipeline: git diff | apollo review > review.md\n");
    expect(result.stdout).toContain('         2. apollo: specialist, model echo — review [> review.md]; waits for all of stage 1\n');
    expect(result.stdout).toContain('  1. while: compound command, run in the shell [< tickets.txt, > numbered.txt]\n     while:\n       pipeline: read -r t\n');
    expect(result.stdout).toContain('         2. athena: specialist, model echo; waits for all of stage 1\n');
    expect(result.stdout).toContain('  1. for: compound command, run in the shell — f in notes/*.md [> summaries.txt]\n     do:\n');
    for (const file of ['state.txt', 'review.md', 'numbered.txt', 'summaries.txt']) expect(existsSync(join(home, file)), file).toBe(false);
    const history = await runAish(['history'], { home });
    expect(history.stdout).not.toContain('apollo');
  });

  it('a loop as a later pipeline stage streams from the stage before and runs apart from the shell', async () => {
    const result = await runAish(['--dry-run', '-c', 'cat tickets.txt | while read -r t; do echo "$t" | apollo; done | wc -l']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('  2. while: compound command, runs apart (what it sets is not seen after it); streams from stage 1\n');
    expect(result.stdout).toContain('  3. wc: Unix command (/usr/bin/wc) — -l; streams from stage 2\n');
  });

  it('a name that does not resolve inside a loop or a brace group is shown there, with exit status 3', async () => {
    const result = await runAish(['--dry-run', '-c', 'for i in 1 2; do echo $i | apolo; done; { ! grep -q x f; }']);
    expect(result.stdout).toContain("     do:\n       error: 'apolo' not found. Did you mean: apollo? (exit status 3)\n");
    expect(result.stdout).toContain('  1. { }: brace group, run in the shell\n     in it:\n       pipeline: ! grep -q x f\n');
    expect(result.status).toBe(3);
    const json = await runAish(['--dry-run', '--json', '-c', 'for i in 1 2; do echo $i | apolo; done']);
    expect((JSON.parse(json.stdout) as { status: number }).status).toBe(3);
    expect(json.status).toBe(3);
  });
});

describe('--dry-run cost estimates', () => {
  it('prices each AI stage whose input is known, says depends on input otherwise, and sums the run as a range', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'notes.txt'), 'x'.repeat(4000));
    const line = [
      "apollo --model openai/gpt-4o 'sum up' < notes.txt",
      "apollo --model openai/gpt-4o-mini --max-tokens 1000 << 'hi'",
      'echo hi | apollo tag',
      "apollo --model openai/no-such-model << 'hi'",
    ].join('; ');
    const result = await runAish(['--dry-run', '-c', line], { home, cwd: home });
    expect(result.status).toBe(0);
    const estimates = result.stdout.split('\n').filter((text) => text.includes('estimate'));
    const [file, bounded, piped, unpriced, total] = estimates;
    // bytes ÷ 4 of the system prompt, the instruction, a blank line and the file; gpt-4o input is $2.50 a million.
    const [, tokens, cost] = /~([\d,]+) tokens in, \$([\d.]+) for the input, plus the answer$/.exec(file!)!;
    const count = Number(tokens!.replace(',', ''));
    expect(count).toBeGreaterThan(1000);
    expect(Number(cost)).toBeCloseTo((count * 2.5) / 1e6, 9);
    expect(bounded).toMatch(/~\d+ tokens in, \$[\d.]+, at most \$[\d.]+ with the answer$/);
    expect(piped).toBe('     estimate: depends on input');
    expect(unpriced).toMatch(/cost unknown \(no price for openai\/no-such-model; add it under prices: in config.yaml\)$/);
    expect(total).toMatch(/^estimated cost of the run: at least \$[\d.]+; 1 AI stage depends on input; unknown price: openai\/no-such-model$/);
  });

  it('gives a closed range when every stage is known and bounded, and $0 for the echo model', async () => {
    const result = await runAish(['--dry-run', '-c', "apollo << 'hi'; apollo --model openai/gpt-4o-mini --max-tokens 10 << 'hi'"]);
    expect(result.stdout).toMatch(/^ {5}estimate: ~\d+ tokens in, \$0$/m);
    expect(result.stdout).toMatch(/^estimated cost of the run: \$[\d.]+ to \$[\d.]+$/m);
  });
});
