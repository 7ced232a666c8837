/** What makes a line unfinished at the prompt (docs/language.md "Structure"), the rc file's commands, and chat mode. */
import { describe, expect, it } from 'vitest';
import { chatRequestOf } from '../../src/shell/chat-mode.js';
import { isUnfinished } from '../../src/shell/continuation.js';
import { commandsOf } from '../../src/shell/rc-file.js';
import { parse, type Script } from '../../src/syntax/index.js';

describe('a line is unfinished, and the REPL asks for more, while', () => {
  const unfinished: [string, string][] = [
    ['a single quote is open', "echo 'abc"],
    ['a double quote is open', 'echo "abc'],
    ['a here-document has no closing line yet', 'apollo << EOF\nline one'],
    ['a <<- here-document has no closing line yet', 'apollo <<- EOF\n\tline one'],
    ['a here-document has just been opened', 'apollo << EOF'],
    ['a brace is open', '{apollo, athena'],
    ['a brace of parallel branches is open after |', '{apollo|'],
    ['a parenthesis is open', '(echo hi'],
    ['a command substitution is open', 'echo $(date'],
    ['a ${ is open', 'echo ${HOME'],
    ['the line ends in |', 'echo hi |'],
    ['the line ends in &&', 'true &&'],
    ['the line ends in ||', 'false ||'],
    ['the line ends in \\', 'echo hi \\'],
    ['a continued line ends in | again', 'echo hi |\ncat |'],
    ['an if waits for then', 'if true'],
    ['an if waits for fi', 'if true; then\n  echo yes'],
    ['a while waits for do', 'while read -r l'],
    ['a for waits for done', 'for f in *.md; do\n  echo "$f"'],
    ['a $(( waits for ))', 'echo $((1 +'],
  ];
  for (const [what, text] of unfinished) {
    it(what, () => expect(isUnfinished(text)).toBe(true));
  }
});

describe('a line is finished (it runs, or its error is shown at once) when', () => {
  const finished: [string, string][] = [
    ['it is a whole pipeline', 'echo hi | apollo'],
    ['its here-document is closed', 'apollo << EOF\nline one\nEOF'],
    ['its continued pipeline has its last stage', 'echo hi |\ncat'],
    ['a backslash-continued line has its rest', 'echo a \\\nb'],
    ['it ends in ; or &', 'echo hi ;'],
    ['it is wrong, not merely unfinished (| |)', 'echo hi | | cat'],
    ['it is wrong, not merely unfinished (> with no file)', 'echo >'],
    ['it is blank', '   '],
    ['its loop is closed by done', 'for f in a b; do\n  echo "$f"\ndone'],
    ['keywords are only words after a command name', 'echo if then do'],
  ];
  for (const [what, text] of finished) {
    it(what, () => expect(isUnfinished(text)).toBe(false));
  }
});

describe('the rc file is run a command at a time', () => {
  it('cuts the text into lines, keeping a here-document or an open quote with its lines, and knows where each starts', () => {
    const text = 'alias hi="echo hello"\n\n# a comment\napollo << EOF\nbody\nEOF\necho "a\nb"\nset X=1\n';
    expect(commandsOf(text)).toEqual([
      { line: 1, text: 'alias hi="echo hello"' },
      { line: 3, text: '# a comment' },
      { line: 4, text: 'apollo << EOF\nbody\nEOF' },
      { line: 7, text: 'echo "a\nb"' },
      { line: 9, text: 'set X=1' },
    ]);
  });

  it('gives a quote left open at the end the rest of the file, so its error is reported once', () => {
    expect(commandsOf('set A=1\necho "oops\nset B=2\n')).toEqual([
      { line: 1, text: 'set A=1' },
      { line: 2, text: 'echo "oops\nset B=2\n' },
    ]);
  });
});

describe('a specialist name alone at the prompt opens a chat', () => {
  const directory = { ids: ['apollo', 'athena'], aliases: new Map([['apollo-ai', 'apollo']]) };
  const chat = (line: string, aliases: ReadonlyMap<string, unknown> = new Map()) => chatRequestOf(script(line), directory, aliases);

  it('by id, registered alias or unique prefix, in a fresh session', () => {
    expect(chat('apollo')).toEqual({ specialist: 'apollo' });
    expect(chat('apollo-ai')).toEqual({ specialist: 'apollo' });
    expect(chat('athe')).toEqual({ specialist: 'athena' });
    expect(chat('apollo --session')).toEqual({ specialist: 'apollo' });
  });

  it('resuming a session given with --session ID or --session=ID', () => {
    expect(chat('apollo --session demo')).toEqual({ specialist: 'apollo', session: 'demo' });
    expect(chat('apollo --session=ses_1')).toEqual({ specialist: 'apollo', session: 'ses_1' });
  });

  it('but not with an instruction, another flag, a pipe, a redirect, a second command, or for a builtin, an alias or a forced command', () => {
    for (const line of ['apollo hello', 'apollo --json', 'echo hi | apollo', 'apollo > out.txt', 'apollo; athena', 'apollo &', '!apollo', 'ais', 'apollo,athena', 'ap', 'apolo']) {
      expect(chat(line), line).toBeUndefined();
    }
    expect(chat('apollo', new Map([['apollo', {}]]))).toBeUndefined();
  });
});

function script(line: string): Script {
  const parsed = parse(line);
  if (!parsed.ok) throw new Error(parsed.diagnostic.message);
  return parsed.script;
}
