/**
 * The interactive prompt: `aish> `, `> ` while a line is unfinished (an open
 * quote, brace or here-document, a trailing `|`), Ctrl-C cancels the running
 * line or clears the prompt, Ctrl-D exits with the last status.
 */
import { createInterface } from 'node:readline';
import { parse } from '../syntax/index.js';
import type { Shell } from './shell.js';

function setRawMode(on: boolean): void {
  if (process.stdin.isTTY) process.stdin.setRawMode(on);
}

export async function runRepl(shell: Shell): Promise<number> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr, terminal: true, historySize: 1000 });
  let pending = '';
  let running = false;
  prompt.on('SIGINT', () => {
    if (running) {
      shell.cancel();
      return;
    }
    pending = '';
    process.stderr.write('^C\n');
    ask();
  });
  const ask = (): void => {
    prompt.setPrompt(pending === '' ? 'aish> ' : '> ');
    prompt.prompt();
  };
  ask();
  for await (const line of prompt) {
    const text = pending === '' ? line : `${pending}\n${line}`;
    const parsed = parse(text);
    if (!parsed.ok && parsed.diagnostic.incomplete) {
      pending = text;
      ask();
      continue;
    }
    pending = '';
    if (text.trim() !== '') {
      running = true;
      // While a line runs the terminal is in its normal mode: Ctrl-C is a real SIGINT
      // (cancelling the line and reaching its children) and children can read the terminal.
      prompt.pause();
      setRawMode(false);
      try {
        // `explain LINE` shows the plan of LINE and runs nothing (as `aish --dry-run -c`).
        const explain = /^\s*explain\s+([\s\S]+)$/.exec(text);
        if (explain) process.stdout.write((await shell.explain(explain[1]!)).output);
        else await shell.run(text);
      } finally {
        running = false;
        setRawMode(true);
        prompt.resume();
      }
    }
    ask();
  }
  process.stderr.write('\n');
  return shell.state.lastStatus;
}
