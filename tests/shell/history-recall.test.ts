/** `!N` in the REPL: re-running the command line of exchange N from the exchange log. */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeLog, ShellState } from '../../src/exec/index.js';
import { recallLine, type RecallShell } from '../../src/shell/history-recall.js';
import { AISH, aishC, tempHome } from '../support/aish.js';

/** A shell whose log knows these command lines by exchange id. */
function shellWith(lines: Record<number, string>, failure?: Error): RecallShell & { reported: string[] } {
  const log: ExchangeLog = {
    record: async () => {},
    pipelineEnded: async () => {},
    history: async () => 0,
    commandLine: async (id) => {
      if (failure) throw failure;
      return lines[id];
    },
  };
  return { log, state: { lastStatus: 0 } as ShellState, reported: [] };
}

describe('recallLine', () => {
  it('turns !N into the command line of exchange N and echoes it', async () => {
    const shell = shellWith({ 12: 'echo hi | apollo "fix it"' });
    expect(await recallLine('!12', shell, (line) => shell.reported.push(line))).toBe('echo hi | apollo "fix it"');
    expect(await recallLine('  !12 ', shell, (line) => shell.reported.push(line))).toBe('echo hi | apollo "fix it"');
    expect(shell.reported).toEqual(['echo hi | apollo "fix it"', 'echo hi | apollo "fix it"']);
  });

  it('leaves every other line alone, the !cmd shell escape included', async () => {
    const shell = shellWith({ 1: 'apollo one' });
    for (const line of ['!ls -l', '!1 | wc', 'echo !1', '!', '!!', 'apollo "!1"', '!1x']) {
      expect(await recallLine(line, shell, (reported) => shell.reported.push(reported))).toBe(line);
    }
    expect(shell.reported).toEqual([]);
  });

  it('an unknown exchange runs nothing, says so, and sets status 1', async () => {
    const shell = shellWith({});
    expect(await recallLine('!7', shell, (line) => shell.reported.push(line))).toBe('');
    expect(shell.reported).toEqual(['aish: !7: no exchange 7 in the log (see history)']);
    expect(shell.state.lastStatus).toBe(1);
  });

  it('a log that cannot be read is an error, not a crash', async () => {
    const shell = shellWith({}, new Error('database is locked'));
    expect(await recallLine('!3', shell, (line) => shell.reported.push(line))).toBe('');
    expect(shell.reported).toEqual(['aish: !3: cannot read the exchange log: database is locked']);
    expect(shell.state.lastStatus).toBe(1);
  });
});

const session = `aish-history-${process.pid}`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function waitFor(check: (text: string) => boolean, what: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const text = tmux('capture-pane', '-t', session, '-p');
    if (check(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the screen never showed ${what}:\n${tmux('capture-pane', '-t', session, '-p')}`);
}

afterEach(() => {
  try {
    tmux('kill-session', '-t', session);
  } catch {
    // already gone
  }
});

describe('!N in the REPL', () => {
  it('re-runs the command line of an exchange logged by an earlier aish -c', async () => {
    const home = tempHome();
    expect((await aishC('echo "recall me" | apollo', { home })).status).toBe(0);
    const command = `cd ${home} && env -i PATH="${process.env.PATH}" HOME=${home} AISH_DB=${home}/aish.db TERM=xterm ${AISH} -q; echo "exited $?"; sleep 30`;
    tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', command);
    await waitFor((text) => text.includes('aish>'), 'the prompt');
    tmux('send-keys', '-t', session, '!1', 'Enter');
    const text = await waitFor((screen) => screen.includes('[apollo] recall me'), 'the answer of the recalled line');
    expect(text).toContain('echo "recall me" | apollo');
    tmux('send-keys', '-t', session, '!99', 'Enter');
    await waitFor((screen) => screen.includes('no exchange 99'), 'the error for an unknown exchange');
    tmux('send-keys', '-t', session, 'C-d');
    await waitFor((screen) => screen.includes('exited 1'), 'the exit status of the failed recall');
  });
});
