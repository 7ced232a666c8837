/**
 * What a real terminal (tmux) shows of answers and of the log: control
 * characters visible instead of obeyed, and a long line streamed word by
 * word instead of held until its newline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { aishC, runAish, tempHome } from '../support/aish.js';
import { Terminal } from '../support/pty.js';

const CLEAR_SCREEN = '\x1b[2J';
let terminal: Terminal | undefined;

afterEach(() => {
  terminal?.stop();
  terminal = undefined;
});

describe('escape sequences in answers and in the log', () => {
  it('are shown on a terminal (^[[2J), not obeyed: the screen keeps what was there', async () => {
    terminal = new Terminal(tempHome());
    terminal.start(['-c', `echo marker-before; apollo "wipe${CLEAR_SCREEN}out"`]);
    const screen = await terminal.waitFor('[aish exited');
    expect(screen).toContain('marker-before');
    expect(screen).toContain('[apollo] wipe^[[2Jout');
  });

  it('are shown when aish history lists a message that holds them', async () => {
    const home = tempHome();
    await aishC(`apollo "wipe${CLEAR_SCREEN}out"`, { home });
    terminal = new Terminal(home);
    terminal.start(['-c', 'echo marker-before; history']);
    const screen = await terminal.waitFor('[aish exited');
    expect(screen).toContain('marker-before');
    expect(screen).toContain('wipe^[[2Jout');
  });

  it('reach pipes and files as the bytes they are', async () => {
    const home = tempHome();
    expect((await aishC(`apollo "wipe${CLEAR_SCREEN}out"`, { home })).stdout).toBe(`[apollo] wipe${CLEAR_SCREEN}out\n`);
    expect((await runAish(['history'], { home })).stdout).toContain(`wipe${CLEAR_SCREEN}out`);
  });
});

describe('a long answer line on a terminal', () => {
  it('shows its first words before the line ends, rendered as Markdown', async () => {
    terminal = new Terminal(tempHome());
    const words = Array.from({ length: 12 }, (_, index) => `word${index + 1}`).join(' ');
    terminal.start(['-c', `apollo --model 'echo?tps=3' << "**Bold** start ${words} end-of-line"`]);
    // Seen while streaming: the first words, rendered (no ** left), and not yet the last one.
    const early = await terminal.waitFor((screen) => screen.includes('word2') && !screen.includes('end-of-line'), 'the first words before the last');
    expect(early).toContain('[apollo] Bold start word1');
    const done = await terminal.waitFor('[aish exited 0]');
    expect(done).toContain(`[apollo] Bold start ${words} end-of-line`);
  });
});
