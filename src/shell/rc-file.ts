/**
 * `~/.aishrc` (or `AISH_RC`), run when the REPL starts: aliases, `set`
 * variables, defaults. It is read a command at a time, as sh reads a
 * profile, so a mistake on one line is reported with the file and line and
 * the lines around it still run; the REPL starts either way.
 */
import { readTextFile } from '../protocol/index.js';
import { isUnfinished } from './continuation.js';
import type { Shell } from './shell.js';

export async function sourceRcFile(shell: Shell, file: string, report: (message: string) => void): Promise<void> {
  let text: string;
  try {
    text = readTextFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') report(`aish: ${file}: ${(error as Error).message}`);
    return;
  }
  for (const command of commandsOf(text)) {
    // Blank lines in front keep line numbers right in any error: `~/.aishrc:7: …`.
    await shell.run('\n'.repeat(command.line - 1) + command.text, file);
    if (shell.exitRequested) return;
  }
}

/** The file cut into whole commands: a line, or the lines an open quote, brace or here-document spans. */
export function commandsOf(text: string): { line: number; text: string }[] {
  const lines = text.split('\n');
  const commands: { line: number; text: string }[] = [];
  let start = 0;
  while (start < lines.length) {
    let end = start + 1;
    while (end < lines.length && isUnfinished(lines.slice(start, end).join('\n'))) end++;
    const command = lines.slice(start, end).join('\n');
    if (command.trim() !== '') commands.push({ line: start + 1, text: command });
    start = end;
  }
  return commands;
}
