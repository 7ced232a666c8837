/** The interactive REPL in a real terminal (tmux), driven key by key as a user would. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempHome } from '../support/aish.js';
import { Terminal } from '../support/pty.js';

const terminals: Terminal[] = [];

/** A REPL in a fresh temporary home (`-q`: no notices, so the screen holds only what is asserted). */
async function repl(prepare?: (home: string) => void): Promise<Terminal> {
  const home = tempHome();
  prepare?.(home);
  const terminal = new Terminal(home);
  terminals.push(terminal);
  terminal.start(['-q']);
  await terminal.waitFor('aish>', 'the prompt');
  return terminal;
}

/** The last line on the screen (where the cursor's prompt is). */
function lastLine(screen: string): string {
  return screen.split('\n').at(-1)!;
}

afterAll(() => {
  for (const terminal of terminals) terminal.stop();
});

describe('the REPL', () => {
  it('runs a pipeline and exits on Ctrl-D with the last status', async () => {
    const terminal = await repl();
    terminal.line('echo hi | apollo');
    await terminal.waitFor('[apollo] hi');
    terminal.line('false');
    await terminal.waitFor((screen) => lastLine(screen) === 'aish>', 'the prompt after false');
    terminal.keys('C-d');
    await terminal.waitFor('[aish exited 1]');
  });

  it('shows the continuation prompt "> " for each line of a here-document, then sends the whole body', async () => {
    const terminal = await repl();
    terminal.line('athena << EOF');
    await terminal.waitFor((screen) => lastLine(screen) === '>', 'the first continuation prompt');
    terminal.line('line one');
    await terminal.waitFor('> line one\n>', 'the second continuation prompt');
    terminal.line('line two');
    await terminal.waitFor('> line two\n>', 'the third continuation prompt');
    terminal.line('EOF');
    const screen = await terminal.waitFor('[athena] line one\nline two');
    expect(screen).toContain('aish> athena << EOF\n> line one\n> line two\n> EOF\n');
  });

  it('continues a line after a trailing | and an open quote', async () => {
    const terminal = await repl();
    terminal.line('echo "two');
    await terminal.waitFor((screen) => lastLine(screen) === '>', 'the continuation prompt');
    terminal.line('words" |');
    await terminal.waitFor('> words" |\n>', 'the continuation prompt after |');
    terminal.line('apollo');
    await terminal.waitFor('[apollo] two\nwords');
  });

  it('completes a specialist name with Tab, and lists the choices on a second Tab', async () => {
    const terminal = await repl();
    terminal.type('echo x | apo');
    terminal.keys('Tab');
    await terminal.waitFor((screen) => lastLine(screen) === 'aish> echo x | apollo', 'the completed name');
    terminal.keys('Tab');
    await terminal.waitFor(/apollo\s+apollo-ai/, 'the list of choices');
    terminal.keys('Enter');
    await terminal.waitFor('[apollo] x');
    terminal.type('echo y | hermes --js');
    terminal.keys('Tab');
    await terminal.waitFor((screen) => lastLine(screen) === 'aish> echo y | hermes --json', 'the completed flag');
    terminal.keys('Enter');
    await terminal.waitFor('{"content":"[hermes] y', 'the JSON answer');
  });

  it('Ctrl-C during a slow streamed answer stops it and brings the prompt back; the rest never appears', async () => {
    // One word a line, so the answer shows line by line as it streams (rendered or not).
    const words = Array.from({ length: 30 }, (_, i) => `w${String(i + 1).padStart(2, '0')}`);
    const terminal = await repl((home) => writeFileSync(join(home, 'words.txt'), words.join('\n') + '\n'));
    terminal.line(`cat words.txt | apollo --model 'echo?tps=5'`);
    await terminal.waitFor(/^w02$/m, 'the first lines of the answer');
    terminal.keys('C-c');
    await terminal.waitFor((screen) => lastLine(screen) === 'aish>', 'the prompt after Ctrl-C');
    terminal.line('echo "status $?"');
    await terminal.waitFor('status 130');
    terminal.line('echo done');
    const screen = await terminal.waitFor(/^done$/m, 'the next command');
    const afterPrompt = screen.slice(screen.indexOf('aish> echo "status $?"'));
    expect(afterPrompt).not.toMatch(/w\d\d/);
    expect(screen).toContain('[apollo] w01\nw02');
    expect(screen).not.toContain('w30');
  });

  it('Ctrl-C at the prompt clears the line (status 130)', async () => {
    const terminal = await repl();
    terminal.type('some half-typed line');
    terminal.keys('C-c');
    await terminal.waitFor('some half-typed line^C\naish>', 'the cleared prompt');
    terminal.line('echo "status $?"');
    await terminal.waitFor('status 130');
  });

  it('recalls the previous session\'s lines with Up after a restart, and finds an old one with Ctrl-R', async () => {
    const terminal = await repl();
    terminal.line('echo first-line');
    await terminal.waitFor(/^first-line$/m);
    terminal.line('athena << EOF');
    terminal.line('multi');
    terminal.line('EOF');
    await terminal.waitFor('[athena] multi');
    terminal.line('echo last-line');
    await terminal.waitFor(/^last-line$/m);
    terminal.keys('C-d');
    await terminal.waitFor('[aish exited 0]');
    expect(readFileSync(join(terminal.home, '.local', 'share', 'aish', 'repl_history'), 'utf8')).toBe('echo first-line\nathena << EOF\\nmulti\\nEOF\necho last-line\n');

    terminal.start(['-q']);
    await terminal.waitFor('aish>', 'the prompt after the restart');
    terminal.keys('Up');
    await terminal.waitFor((screen) => lastLine(screen) === 'aish> echo last-line', 'the last line recalled');
    terminal.keys('Up');
    await terminal.waitFor('aish> athena << EOF\nmulti\nEOF', 'the here-document recalled whole');
    terminal.keys('C-c');
    await terminal.waitFor((screen) => lastLine(screen) === 'aish>', 'a fresh prompt');
    terminal.keys('C-r');
    terminal.type('first');
    await terminal.waitFor((screen) => lastLine(screen) === "(reverse-i-search)'first': echo first-line", 'the search finding the old line');
    terminal.keys('Enter');
    await terminal.waitFor("aish> echo first-line\nfirst-line\n", "the found line run");
  });

  it('Ctrl-R says when nothing matches, and Ctrl-G gives back the line as it was', async () => {
    const terminal = await repl();
    terminal.line('echo one');
    await terminal.waitFor(/^one$/m);
    terminal.type('kept');
    terminal.keys('C-r');
    terminal.type('zzz');
    await terminal.waitFor((screen) => lastLine(screen).startsWith("(failed reverse-i-search)'zzz':"), 'the failed search');
    terminal.keys('C-g');
    await terminal.waitFor((screen) => lastLine(screen) === 'aish> kept', 'the line before the search');
  });

  it('a specialist name alone opens a chat: answers stream, Ctrl-C clears its line, /session shows the id, /exit goes back to aish>', async () => {
    const terminal = await repl();
    terminal.line('apollo');
    await terminal.waitFor((screen) => lastLine(screen) === 'apollo>', 'the chat prompt');
    terminal.line('hello from the chat');
    await terminal.waitFor('[apollo] hello from the chat');
    terminal.type('half typed');
    terminal.keys('C-c');
    await terminal.waitFor('apollo> half typed^C\napollo>', 'the chat prompt again after Ctrl-C');
    terminal.line('/session');
    await terminal.waitFor(/^ses_\w+$/m, 'the session id');
    terminal.line('/exit');
    await terminal.waitFor((screen) => lastLine(screen) === 'aish>', 'the aish prompt again');
    terminal.line('echo back in aish');
    await terminal.waitFor(/^back in aish$/m);
  });

  it('sources ~/.aishrc first: its aliases and variables work, and an error in it names the file and line', async () => {
    const terminal = await repl((home) => writeFileSync(join(home, '.aishrc'), "alias greet='echo hello from rc'\napolo oops\nset WHO=casey\n"));
    const screen = await terminal.waitFor('aish>');
    expect(screen).toContain(`${join(terminal.home, '.aishrc')}:2: 'apolo' not found`);
    terminal.line('greet; echo "who $WHO"');
    await terminal.waitFor('hello from rc\nwho casey');
  });

  it('runs !cmd as a Unix command, and exit N ends the REPL with N', async () => {
    const terminal = await repl();
    terminal.line('!echo forced unix');
    await terminal.waitFor(/^forced unix$/m);
    terminal.line('exit 3');
    await terminal.waitFor('[aish exited 3]');
  });
});
