/** docs/language.md "Scripts": the compound-command examples run as written against the echo model, and Ctrl-C stops a loop. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aishC, collect, startAish, tempHome } from '../support/aish.js';

describe('script examples', () => {
  it('for f in notes/*.md; do apollo "one-line summary" < "$f"; done > summaries.txt', async () => {
    const home = tempHome();
    mkdirSync(join(home, 'notes'));
    writeFileSync(join(home, 'notes/b.md'), 'second\n');
    writeFileSync(join(home, 'notes/a.md'), 'first\n');
    const result = await aishC('for f in notes/*.md; do apollo "one-line summary" < "$f"; done > summaries.txt', { home });
    expect(result.status).toBe(0);
    expect(readFileSync(join(home, 'summaries.txt'), 'utf8')).toBe('[apollo] one-line summary\n\nfirst\n[apollo] one-line summary\n\nsecond\n');
  });

  it('if git diff --quiet; then echo clean; else …; fi takes the branch the status says', async () => {
    const home = tempHome();
    const clean = await aishC('if true; then echo clean; else echo dirty | apollo "review" > review.md; fi', { home });
    expect(clean.stdout).toBe('clean\n');
    const dirty = await aishC('if false; then echo clean; else echo dirty | apollo "review" > review.md; fi', { home });
    expect(dirty.status).toBe(0);
    expect(readFileSync(join(home, 'review.md'), 'utf8')).toBe('[apollo] review\n\ndirty\n');
  });

  it('n=0; cat tickets.txt | while read -r t; do n=$((n+1)); echo "$n: $t"; done numbers the lines', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'tickets.txt'), 'login fails\nslow page\n');
    const result = await aishC('n=0; cat tickets.txt | while read -r t; do n=$((n+1)); echo "$n: $t"; done; echo "after: $n"', { home });
    // The loop is a pipeline stage: its n is its own, as in bash.
    expect(result.stdout).toBe('1: login fails\n2: slow page\nafter: 0\n');
  });

  it('a loop of 1,000 rounds over a Unix command and an AI stage finishes', async () => {
    const result = await aishC('for i in $(seq 1000); do echo "$i" | tr 0-9 a-j | apollo; done | wc -l');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('1000');
  }, 300_000);

  it('Ctrl-C during a loop of AI stages exits 130', async () => {
    const child = startAish(['-c', `for i in $(seq 100000); do echo "$i" | apollo --model 'echo?ttft_ms=50'; done`]);
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('[apollo] 2')) child.kill('SIGINT');
    });
    const result = await collect(child);
    expect(result.status).toBe(130);
  });

  it('$((1+2)) and if … fi are language, not names to look up', async () => {
    const result = await aishC('echo $((1+2)); if true; then echo yes; fi');
    expect(result).toMatchObject({ stdout: '3\nyes\n', status: 0 });
  });
});
