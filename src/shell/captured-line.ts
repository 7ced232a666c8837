/**
 * Runs one line for an MCP client (`run_pipeline`): a shell of its own per
 * call, its stdout and stderr collected, its input given as text (aish's own
 * stdin is never read: over stdio it is the MCP connection), cancelled by the
 * caller's signal. Without `allowUnix`, a line that could reach a Unix
 * command, a file or the environment is refused before anything runs.
 */
import { AishError, type Specialists } from '../protocol/index.js';
import { TextCollector, type ExchangeLog } from '../exec/index.js';
import { parse } from '../syntax/index.js';
import { unixRefusal } from './ai-only-line.js';
import { Shell } from './shell.js';

export interface CapturedLineOptions {
  specialists: Specialists;
  /** `mcp.allow_unix` in the config: Unix commands (and everything else a shell can do) are allowed. */
  allowUnix: boolean;
  /** Where `-C` finds the last session. */
  currentSessionsFile: string;
  /** Where finished AI exchanges are recorded, if anywhere. */
  log?: ExchangeLog;
}

export interface CapturedLine {
  status: number;
  stdout: string;
  stderr: string;
}

export async function runCapturedLine(options: CapturedLineOptions, line: string, input: string | undefined, signal: AbortSignal): Promise<CapturedLine> {
  const stdout = new TextCollector();
  const stderr = new TextCollector();
  const shell = new Shell({
    specialists: options.specialists,
    quiet: true,
    stdinIsScript: true,
    scriptName: 'aish',
    positional: [],
    timeoutSeconds: undefined,
    currentSessionsFile: options.currentSessionsFile,
    stdout,
    stderr,
    ...(input !== undefined && { input }),
    ...(options.log && { log: options.log }),
  });
  if (!options.allowUnix) {
    const parsed = parse(line);
    // A syntax error runs nothing: the shell reports it below with its caret.
    const refusal = parsed.ok ? unixRefusal(parsed.script, line, await shell.directory()) : undefined;
    if (refusal) {
      throw new AishError('FORBIDDEN', `run_pipeline runs only AI stages, fan-outs, @capability, echo and here-strings: ${refusal} (a server whose config says mcp: { allow_unix: true } allows it)`);
    }
  }
  const cancel = (): void => shell.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  try {
    const status = await shell.run(line);
    await shell.waitForJobs();
    return { status, stdout: stdout.text(), stderr: stderr.text() };
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}
