/** `!N` in the REPL: re-running the command line of exchange N from the exchange log. */
import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeLog, ShellState } from '../../src/exec/index.js';
import { recallLine, type RecallShell } from '../../src/shell/history-recall.js';
import { aishC, tempHome } from '../support/aish.js';
import { Terminal } from '../support/pty.js';

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

let terminal: Terminal | undefined;
afterEach(() => {
  terminal?.stop();
  terminal = undefined;
});

describe('!N in the REPL', () => {
  it('re-runs the command line of an exchange logged by an earlier aish -c', async () => {
    const home = tempHome();
    expect((await aishC('echo "recall me" | apollo', { home })).status).toBe(0);
    // The Terminal's environment points at the same database as the aish -c run above.
    terminal = new Terminal(home);
    terminal.start(['-q']);
    await terminal.waitFor('aish>', 'the prompt');
    terminal.line('!1');
    const text = await terminal.waitFor('[apollo] recall me', 'the answer of the recalled line');
    expect(text).toContain('echo "recall me" | apollo');
    terminal.line('!99');
    await terminal.waitFor('no exchange 99', 'the error for an unknown exchange');
    terminal.keys('C-d');
    await terminal.waitFor('[aish exited 1]', 'the exit status of the failed recall');
  });
});
