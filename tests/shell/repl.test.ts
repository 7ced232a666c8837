/** The interactive prompt in a real terminal (tmux): continuation prompts, Ctrl-C, Ctrl-D. */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { AISH, tempHome } from '../support/aish.js';

const session = `aish-repl-${process.pid}`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}

function screen(): string {
  return tmux('capture-pane', '-t', session, '-p');
}

async function waitFor(check: (text: string) => boolean, what: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const text = screen();
    if (check(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the screen never showed ${what}:\n${screen()}`);
}

function start(): void {
  const home = tempHome();
  const command = `cd ${home} && env -i PATH="${process.env.PATH}" HOME=${home} TERM=xterm ${AISH} -q; echo "exited $?"; sleep 30`;
  tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', command);
}

afterEach(() => {
  try {
    tmux('kill-session', '-t', session);
  } catch {
    // already gone
  }
});

describe('the REPL', () => {
  it('runs a pipeline, asks for more while a here-document is open, and exits on Ctrl-D with the last status', async () => {
    start();
    await waitFor((text) => text.includes('aish>'), 'the prompt');
    tmux('send-keys', '-t', session, 'echo hi | apollo', 'Enter');
    await waitFor((text) => text.includes('[apollo] hi'), 'the answer');
    tmux('send-keys', '-t', session, 'athena << EOF', 'Enter');
    await waitFor((text) => /^>\s*$/m.test(text), 'the continuation prompt');
    tmux('send-keys', '-t', session, 'line one', 'Enter', 'EOF', 'Enter');
    await waitFor((text) => text.includes('[athena] line one'), 'the here-document answer');
    tmux('send-keys', '-t', session, 'false', 'Enter');
    tmux('send-keys', '-t', session, 'C-d');
    await waitFor((text) => text.includes('exited 1'), 'the exit status');
  });

  it('Ctrl-C cancels a slow answer and returns to the prompt with status 130', async () => {
    start();
    await waitFor((text) => text.includes('aish>'), 'the prompt');
    tmux('send-keys', '-t', session, `apollo --model 'echo?tps=4' << 'one two three four five six seven eight nine ten eleven'`, 'Enter');
    await waitFor((text) => text.includes('[apollo] one'), 'the first words');
    tmux('send-keys', '-t', session, 'C-c');
    tmux('send-keys', '-t', session, 'echo status $?', 'Enter');
    const text = await waitFor((screenText) => screenText.includes('status 130'), 'status 130');
    const answer = text.split('\n').find((line) => line.startsWith('[apollo]'));
    expect(answer).toBeDefined();
    expect(answer).not.toContain('eleven');
  });
});
