/**
 * `!N` in the REPL: a line that is only `!` and an exchange id runs again the
 * command line of that exchange, as the exchange log recorded it (`history`
 * lists the ids). The recalled line is echoed on stderr first, as sh does.
 * Every other line, `!cmd` (run a Unix command) included, passes unchanged.
 */
import type { ExchangeLog, ShellState } from '../exec/index.js';

const RECALL = /^\s*!(\d+)\s*$/;

/** What a recall needs of the shell: its log, and its status for a failed recall. */
export interface RecallShell {
  readonly log: ExchangeLog | undefined;
  readonly state: ShellState;
}

/**
 * The line to run for `text`: `text` itself, the command line of exchange N
 * for `!N`, or `''` (run nothing, status 1) when exchange N cannot be recalled,
 * after saying why on `report`.
 */
export async function recallLine(text: string, shell: RecallShell, report: (line: string) => void = writeStderr): Promise<string> {
  const match = RECALL.exec(text);
  if (!match) return text;
  const id = Number(match[1]);
  let line: string | undefined;
  try {
    line = shell.log ? await shell.log.commandLine(id) : undefined;
  } catch (error) {
    return failed(shell, report, `aish: !${id}: cannot read the exchange log: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (line === undefined) return failed(shell, report, `aish: !${id}: no exchange ${id} in the log (see history)`);
  if (line.trim() === '') return failed(shell, report, `aish: !${id}: exchange ${id} has no command line to run`);
  report(line);
  return line;
}

function failed(shell: RecallShell, report: (line: string) => void, message: string): string {
  report(message);
  shell.state.lastStatus = 1;
  return '';
}

function writeStderr(line: string): void {
  process.stderr.write(line + '\n');
}
