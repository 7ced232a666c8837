/**
 * What the REPL's screen shows around output (tmux): the prompt starts on a
 * fresh line, chat mode shares the run's echo notice, and a cancelled answer
 * says so.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { homeWithConfig, startServe, tempHome } from '../support/aish.js';
import { Terminal } from '../support/pty.js';

const terminals: Terminal[] = [];

async function repl(home: string, args: string[] = ['-q']): Promise<Terminal> {
  const terminal = new Terminal(home);
  terminals.push(terminal);
  terminal.start(args);
  await terminal.waitFor('aish>', 'the prompt');
  return terminal;
}

const lastRow = (rows: string): string => rows.split('\n').at(-1)!;

afterAll(() => {
  for (const terminal of terminals) terminal.stop();
});

describe('the REPL screen', () => {
  it('draws the prompt on a fresh line after output without a final newline (printf abc)', async () => {
    const terminal = await repl(tempHome());
    terminal.line('printf abc');
    await terminal.waitFor(() => /^abc\naish>$/m.test(terminal.rows()), 'abc, then the prompt on the next row');
  });

  it('Ctrl-D in chat mode puts the aish> prompt on its own line', async () => {
    const terminal = await repl(tempHome());
    terminal.line('apollo');
    await terminal.waitFor((screen) => screen.split('\n').at(-1) === 'apollo>', 'the chat prompt');
    terminal.keys('C-d');
    await terminal.waitFor(() => lastRow(terminal.rows()) === 'aish>', 'the aish prompt on a row of its own');
    expect(terminal.rows()).toMatch(/^apollo>\s*\naish>$/m);
  });

  it('says the echo notice once per run, chat mode included', async () => {
    const terminal = await repl(tempHome(), []);
    terminal.line('echo hi | apollo');
    await terminal.waitFor('[apollo] hi');
    terminal.line('apollo');
    await terminal.waitFor((screen) => screen.split('\n').at(-1) === 'apollo>', 'the chat prompt');
    terminal.line('hello from the chat');
    const screen = await terminal.waitFor('[apollo] hello from the chat');
    expect(screen.match(/offline echo model/g)).toHaveLength(1);
  });

  it('Ctrl-C in chat mode marks the cut-short answer as cancelled', async () => {
    const terminal = await repl(homeWithConfig('default_model: "echo?tps=3"\n'));
    terminal.line('apollo');
    await terminal.waitFor((screen) => screen.split('\n').at(-1) === 'apollo>', 'the chat prompt');
    terminal.line('one two three four five six seven eight nine ten eleven twelve');
    await terminal.waitFor('[apollo] one two');
    terminal.keys('C-c');
    const screen = await terminal.waitFor('cancelled (Ctrl-C); the answer is incomplete');
    expect(screen.split('\n').find((line) => line.startsWith('[apollo]'))).not.toContain('twelve');
    await terminal.waitFor((text) => text.split('\n').at(-1) === 'apollo>', 'the chat prompt again');
  });

  it('a reconnect notice in a chat goes above the prompt, which is drawn again with what was typed', async () => {
    const home = tempHome();
    const served = await startServe(home);
    const terminal = new Terminal(home);
    terminals.push(terminal);
    terminal.start(['chat', 'apollo', '--server', served.url]);
    await terminal.waitFor((screen) => screen.split('\n').at(-1) === 'apollo>', 'the chat prompt');
    terminal.type('half typed');
    await terminal.waitFor('apollo> half typed');
    await served.stop('SIGKILL');
    await terminal.waitFor('reconnecting');
    await terminal.waitFor(() => lastRow(terminal.rows()) === 'apollo> half typed', 'the prompt and its line below the notice');
    expect(terminal.rows()).toMatch(/^aish: connection to the server lost .*\n(?:.*\n)?apollo> half typed$/m);
  });

  it('in chat mode, a background job’s output goes above the apollo> prompt, which is drawn again with what was typed', async () => {
    const terminal = await repl(tempHome());
    terminal.line('sleep 1 && echo job-done &');
    await terminal.waitFor((screen) => screen.split('\n').at(-1) === 'aish>', 'the prompt after starting the job');
    terminal.line('apollo');
    await terminal.waitFor((screen) => screen.split('\n').at(-1) === 'apollo>', 'the chat prompt');
    terminal.type('half typed');
    await terminal.waitFor(() => /^job-done$/m.test(terminal.rows()), 'the job’s output on a row of its own');
    await terminal.waitFor(() => lastRow(terminal.rows()) === 'apollo> half typed', 'the chat prompt and the typed text below the job’s output');
    terminal.keys('Enter');
    await terminal.waitFor('[apollo] half typed');
  });

  it('over the server, aish chat says the echo notice on its own line, never inside the answer’s', async () => {
    const home = tempHome();
    const served = await startServe(home);
    try {
      const terminal = new Terminal(home);
      terminals.push(terminal);
      terminal.start(['chat', 'apollo', '--server', served.url]);
      await terminal.waitFor((screen) => screen.split('\n').at(-1) === 'apollo>', 'the chat prompt');
      terminal.line('hi there');
      await terminal.waitFor(() => /offline echo model/.test(terminal.rows()) && lastRow(terminal.rows()) === 'apollo>', 'the notice, then the prompt');
      const rows = terminal.rows().split('\n');
      expect(rows).toContain('[apollo] hi there');
      expect(rows.filter((row) => row.startsWith('aish: note: answers come from the offline echo model'))).toHaveLength(1);
    } finally {
      await served.stop();
    }
  });

  it('a background job’s output goes above the line being typed, which is drawn again', async () => {
    const terminal = await repl(tempHome(), []);
    terminal.line('sleep 1 && echo job-done &');
    await terminal.waitFor((screen) => screen.split('\n').at(-1) === 'aish>', 'the prompt after starting the job');
    // As an interactive bash: the job's number and its first process's id (a notice: -q hides it).
    expect(terminal.rows()).toMatch(/^\[1\] \d+$/m);
    terminal.type('half typed');
    await terminal.waitFor(() => /^job-done$/m.test(terminal.rows()), 'the job’s output on a row of its own');
    await terminal.waitFor(() => lastRow(terminal.rows()) === 'aish> half typed', 'the typed line below the job’s output');
    terminal.keys('Enter');
  });
});
