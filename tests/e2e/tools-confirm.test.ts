/**
 * `--confirm-tools` in a real terminal (tmux): the REPL and `aish chat` ask
 * `run SERVER.TOOL {json}? [y/N]` before each tool call; a "no" goes back to the
 * model as a refused call. The echo model calls server-everything's `echo` tool.
 */
import { resolve } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { homeWithConfig } from '../support/aish.js';
import { Terminal } from '../support/pty.js';

const require = createRequire(import.meta.url);
const EVERYTHING = resolve(require.resolve('@modelcontextprotocol/server-everything/package.json'), '..', 'dist', 'index.js');

const terminals: Terminal[] = [];

function terminalWithTools(confirmInConfig = false): Terminal {
  const home = homeWithConfig(`default_model: echo
tools_confirm: ${confirmInConfig}
mcp_servers:
  everything: { command: node, args: [${JSON.stringify(EVERYTHING)}] }
specialists:
  apollo: { tools: [everything.echo] }
`);
  const terminal = new Terminal(home);
  terminals.push(terminal);
  return terminal;
}

afterAll(() => {
  for (const terminal of terminals) terminal.stop();
});

describe('--confirm-tools', () => {
  it('asks in the REPL before each call: yes runs it, no sends it back refused', { timeout: 60_000 }, async () => {
    const terminal = terminalWithTools();
    terminal.start(['-q', '--confirm-tools']);
    await terminal.waitFor('aish>', 'the prompt');
    terminal.line(`echo 'CALL everything.echo {"message": "first"}' | apollo`);
    await terminal.waitFor('run everything.echo {"message":"first"}? [y/N]', 'the question', 30_000);
    terminal.line('y');
    await terminal.waitFor('[apollo] Echo: first');
    terminal.line(`echo 'CALL everything.echo {"message": "second"}' | apollo`);
    await terminal.waitFor('run everything.echo {"message":"second"}? [y/N]');
    terminal.line('n');
    const screen = await terminal.waitFor('[apollo] the user refused to run everything.echo');
    expect(screen).not.toContain('Echo: second');
    terminal.keys('C-d');
    await terminal.waitFor('[aish exited 0]');
  });

  it('asks in aish chat with tools_confirm: true in the config', { timeout: 60_000 }, async () => {
    const terminal = terminalWithTools(true);
    terminal.start(['-q', 'chat', 'apollo']);
    await terminal.waitFor('apollo>', 'the chat prompt');
    terminal.line('CALL everything.echo {"message": "chatting"}');
    await terminal.waitFor('run everything.echo {"message":"chatting"}? [y/N]', 'the question', 30_000);
    terminal.line('yes');
    await terminal.waitFor('[apollo] Echo: chatting');
    terminal.line('/exit');
    await terminal.waitFor('[aish exited 0]');
  });
});
