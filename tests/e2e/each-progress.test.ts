/**
 * The `--each` progress line in a real terminal (tmux): done/total, failed,
 * running, cost and time left while the run goes, redrawn in place on stderr
 * and gone when it ends; nothing when stderr is not a terminal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runAish, tempHome } from '../support/aish.js';
import { Terminal } from '../support/pty.js';

let terminal: Terminal | undefined;

afterEach(() => {
  terminal?.stop();
  terminal = undefined;
});

const SLOW_EACH = `printf 'a\\nb\\nc\\nd\\ne\\nf\\n' | apollo --model 'echo?ttft_ms=700' --each -j 2`;
const LINE = /apollo: [0-5]\/6 done · 0 failed · [0-2] running · \$0( · \d+s left)?/;

describe('the --each progress line on a terminal', () => {
  it('shows while the records run and is gone when they are done', { timeout: 60_000 }, async () => {
    terminal = new Terminal(tempHome());
    terminal.start(['-c', `${SLOW_EACH} > out.txt; echo marker-after`]);
    const during = await terminal.waitFor(LINE, 'the progress line');
    expect(during.split('\n').filter((row) => row.includes('done ·'))).toHaveLength(1);
    const after = await terminal.waitFor('[aish exited 0]');
    expect(after).not.toMatch(/done ·/);
    expect(after).toContain('marker-after');
  });

  it('keeps out of the way of answers written to the same terminal', { timeout: 60_000 }, async () => {
    terminal = new Terminal(tempHome());
    terminal.start(['-c', SLOW_EACH]);
    await terminal.waitFor(LINE, 'the progress line');
    const after = await terminal.waitFor('[aish exited 0]');
    expect(after).not.toMatch(/done ·/);
    for (const letter of 'abcdef') expect(after).toMatch(new RegExp(`^\\[apollo\\] ${letter}$`, 'm'));
  });

  it('shows without colour under NO_COLOR, and not at all with -q', { timeout: 60_000 }, async () => {
    terminal = new Terminal(tempHome());
    terminal.start(['-c', `${SLOW_EACH} > out.txt`], { NO_COLOR: '1' });
    await terminal.waitFor(LINE, 'the progress line under NO_COLOR');
    await terminal.waitFor('[aish exited 0]');
    terminal.start(['-q', '-c', `${SLOW_EACH} > out.txt`]);
    const quiet = await terminal.waitFor('[aish exited 0]');
    expect(quiet).not.toMatch(/done ·/);
  });

  it('writes nothing of it when stderr is not a terminal', { timeout: 60_000 }, async () => {
    const result = await runAish(['-c', `printf 'a\\nb\\n' | apollo --model 'echo?ttft_ms=400' --each -j 1`]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('[apollo] a\n[apollo] b\n');
    expect(result.stderr).not.toMatch(/running|\r|\x1b/);
  });
});
