/**
 * The interactive prompt (docs/cli.md "The REPL"): `aish> `, and `> ` while a
 * line is unfinished; line editing, a history kept across sessions with
 * Ctrl-R search, Tab completion; `~/.aishrc` first; a specialist's name
 * alone opens a chat with it. Ctrl-C cancels the running line or clears the
 * prompt, Ctrl-D exits with the last status.
 */
import { parse } from '../syntax/index.js';
import { runChat } from './chat.js';
import { chatRequestOf, type ChatRequest } from './chat-mode.js';
import { completeLine } from './completion.js';
import { ShellCompletionSources } from './completion-sources.js';
import { isUnfinished } from './continuation.js';
import { LineEditor } from './line-editor.js';
import { LineHistory } from './line-history.js';
import { recallLine } from './history-recall.js';
import { sourceRcFile } from './rc-file.js';
import type { Shell } from './shell.js';
import { isYes, toolCallText } from '../exec/index.js';
import type { PendingToolCall } from '../protocol/index.js';

export interface ReplOptions {
  /** Where the line history is kept (`AISH_HISTORY_FILE`, else `repl_history` in the data folder). */
  historyFile: string;
  /** The file sourced at start (`AISH_RC`, else `~/.aishrc`). */
  rcFile: string;
  quiet: boolean;
  /** How the prompt is styled (bold when stderr has colour; the CLI decides with src/render). */
  promptStyle: (prompt: string) => string;
  /** `--confirm-tools`, `tools_confirm`: ask on the terminal before each tool call a specialist makes. */
  confirmTools?: boolean;
}

/** Status of a line cut short by Ctrl-C, as in sh. */
const INTERRUPTED_STATUS = 130;

export async function runRepl(shell: Shell, options: ReplOptions): Promise<number> {
  const report = (message: string): void => void process.stderr.write(message + '\n');
  const completion = new ShellCompletionSources(shell);
  completion.prefetch();
  await sourceRcFile(shell, options.rcFile, report);
  if (shell.exitRequested) return shell.state.lastStatus;
  const history = LineHistory.load(options.historyFile, report);
  // Ctrl-C between Enter and the start of the line's run means the line never runs.
  const interrupt = { early: false };
  const editor = new LineEditor({
    input: process.stdin,
    output: process.stderr,
    history: history.entries,
    complete: (line) => completeLine(line, completion),
    onEarlyInterrupt: () => (interrupt.early = true),
  });
  if (options.confirmTools) shell.confirmToolsWith((call, signal) => askWithEditor(editor, call, signal));
  // A background job's lines go above the line being typed, never into it.
  shell.writeBackgroundOutputWith((lines, stream) => editor.printAbove(lines, stream === 'stdout' ? process.stdout : process.stderr));
  try {
    return await readAndRun(shell, editor, history, interrupt, options);
  } finally {
    editor.close();
  }
}

async function readAndRun(shell: Shell, editor: LineEditor, history: LineHistory, interrupt: { early: boolean }, options: ReplOptions): Promise<number> {
  const prompt = options.promptStyle('aish>') + ' ';
  let pending = '';
  for (;;) {
    interrupt.early = false;
    if (pending === '') startOnFreshLine();
    const result = await editor.read(pending === '' ? prompt : '> ');
    if (result.kind === 'interrupt') {
      pending = '';
      shell.state.lastStatus = INTERRUPTED_STATUS;
      continue;
    }
    if (result.kind === 'eof') {
      if (pending === '') break;
      // Ctrl-D in the middle of a command: say what was left open, and start again.
      history.add(pending);
      shell.state.lastStatus = await shell.run(pending);
      pending = '';
      continue;
    }
    const text = await recallLine(pending === '' ? result.text : `${pending}\n${result.text}`, shell);
    if (isUnfinished(text)) {
      pending = text;
      continue;
    }
    pending = '';
    if (text.trim() === '') continue;
    history.add(text);
    await runEntry(shell, editor, text, interrupt, options);
    if (shell.exitRequested) break;
  }
  return shell.state.lastStatus;
}

/** One finished entry: a chat, `explain LINE`, or a line for the shell. */
async function runEntry(shell: Shell, editor: LineEditor, text: string, interrupt: { early: boolean }, options: ReplOptions): Promise<void> {
  // From here Ctrl-C is a SIGINT (the terminal is in its normal mode), until the run takes it over.
  editor.pause();
  const onSignal = (): void => void (interrupt.early = true);
  process.on('SIGINT', onSignal);
  let chat: ChatRequest | undefined;
  try {
    chat = await chatRequested(shell, text);
  } finally {
    process.off('SIGINT', onSignal);
  }
  if (interrupt.early) {
    shell.state.lastStatus = INTERRUPTED_STATUS;
    return;
  }
  if (chat) {
    // The chat reads its lines from the prompt's own line editor, and gives it back at /exit.
    shell.state.lastStatus = await editor.lend((readline, borrower) =>
      runChat({
        specialists: shell.specialists,
        specialist: chat.specialist,
        output: shell.answerOutput,
        onSession: (id) => shell.rememberSession(id),
        readline,
        ...(options.confirmTools && { confirmTools: true }),
        onPromptShowing: (showing) => borrower.promptShowing(showing),
        ...(chat.session !== undefined && { session: chat.session }),
      }),
    );
    return;
  }
  // `explain LINE` shows the plan of LINE and runs nothing (as `aish --dry-run -c`).
  const explain = /^\s*explain\s+([\s\S]+)$/.exec(text);
  if (explain) {
    const explained = await shell.explain(explain[1]!);
    process.stdout.write(explained.output);
    shell.state.lastStatus = explained.status;
  } else {
    shell.state.lastStatus = await shell.run(text);
  }
}

/**
 * `run files.read_text_file {"path":"README.md"}? [y/N]` while a line runs, read with the
 * prompt's own line editor (which keeps what is typed during a run for itself); Ctrl-C
 * there is a no, and cancels the line as Ctrl-C does.
 */
async function askWithEditor(editor: LineEditor, call: PendingToolCall, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  const result = await editor.read(`run ${toolCallText(call)}? [y/N] `);
  editor.pause();
  if (result.kind === 'interrupt') process.kill(process.pid, 'SIGINT');
  return result.kind === 'line' && !signal.aborted && isYes(result.text);
}

/** `NAME` alone (or with `--session [ID]`) names a specialist to chat with; undefined for any other line. */
async function chatRequested(shell: Shell, text: string): Promise<ChatRequest | undefined> {
  const parsed = parse(text);
  if (!parsed.ok) return undefined;
  try {
    return chatRequestOf(parsed.script, await shell.directory(), shell.state.aliases);
  } catch {
    // No specialist list (server down): the line runs and reports that itself.
    return undefined;
  }
}

/**
 * Moves to the start of a fresh line when the last output did not end one
 * (`printf abc`, a chat left with Ctrl-D), so the prompt overwrites nothing;
 * as zsh does, without knowing where the cursor is: a whole screen width of
 * spaces wraps only from a column past the first, then `\r` and erase-line.
 */
function startOnFreshLine(): void {
  const columns = process.stderr.isTTY ? process.stderr.columns : undefined;
  if (!columns) return;
  process.stderr.write(' '.repeat(columns) + '\r\x1b[K');
}
