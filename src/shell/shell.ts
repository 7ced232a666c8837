/**
 * One shell: its state, the context lines run in, Ctrl-C handling, and the
 * entry points for `-c` lines, script files, scripts on stdin and `source`.
 * A whole text is parsed before any of it runs; a syntax error runs nothing
 * and is status 4.
 */
import type { Writable } from 'node:stream';
import { isatty } from 'node:tty';
import { constants as osConstants } from 'node:os';
import { cancelLine, collectingLog, ExitRequest, ScriptError, PROCESS_IO, runScript, type Exchange, type ExchangeLog, type Display, type ExecContext, type RunEvents, type ShellHost, type ShellState, type RunBudget, type ProcessFacts } from '../exec/index.js';
import type { SpecialistDirectory } from '../plan/index.js';
import { readTextFile, type Specialists } from '../protocol/index.js';
import { parse, renderDiagnostic, TextWord } from '../syntax/index.js';
import { CurrentSessions } from './current-session.js';
import { LineWriter, type BackgroundWriter } from './line-writer.js';

export interface ShellOptions {
  specialists: Specialists;
  quiet: boolean;
  /** aish reads its script from stdin: stages never read it. */
  stdinIsScript: boolean;
  scriptName: string;
  positional: string[];
  timeoutSeconds: number | undefined;
  /** Where `-C` finds the session this terminal used last. */
  currentSessionsFile: string;
  /** Where finished AI exchanges go (the exchange log, `--usage`), and what `history` reads. */
  log?: ExchangeLog;
  /** `--usage`: the initial value of `set -o usage`. */
  usage?: boolean;
  /** How answers and progress look on the terminal (Markdown, progress lines); absent: raw text, no progress. */
  display?: Display;
  /** The input limit of AI stages without their own `--max-input` (`aish --max-input`, `limits.max_input`). */
  maxInputBytes?: () => Promise<number | undefined>;
  /** Where lines write what would go to aish's stdout (the `--json` run document collects it). */
  stdout?: Writable;
  /** Where errors and notices go instead of aish's stderr (MCP's `run_pipeline` returns them). */
  stderr?: Writable;
  /** The text a line's first stage reads as its stdin, instead of aish's own stdin. */
  input?: string;
  /** `aish --events`: stage events go here, and notices and errors (`notice`, `error`) instead of stderr. */
  events?: RunEvents & { notice(message: string): void; error(message: string): void };
  /** `--cache` / `--no-cache` / `AISH_CACHE`: asked of every call; absent: the service's setting (config `cache.enabled`). */
  cache?: boolean;
  /** `--max-cost`, `budget:`: what a run (a line, a script, one REPL line) and a day may spend. */
  budget?: RunBudget;
  /** A model's price, for `--dry-run`'s estimates. */
  priceOf?: ProcessFacts['priceOf'];
}

/** Status of a syntax error (docs/language.md "Exit statuses"). */
export const SYNTAX_ERROR_STATUS = 4;

/** The most `source` files running inside each other (bash has no limit and runs out of memory). */
const MAX_SOURCE_DEPTH = 100;

/** How long a line cancelled by SIGTERM/SIGHUP has to clean up before aish leaves anyway (after children's SIGKILL). */
const TERMINATION_GRACE_MS = 5000;

export class Shell {
  readonly state: ShellState;
  private readonly context: ExecContext;
  private line = new AbortController();
  private directoryCache: Promise<SpecialistDirectory> | undefined;
  /** aish's own stdin and stderr, and its stdout unless `options.stdout` stands in. */
  private readonly io: typeof PROCESS_IO;
  /** Set once `exit` has ended a line: the REPL stops after it. */
  exitRequested = false;
  /** Set when SIGTERM or SIGHUP asked aish to end: the running line is cancelled and cleaned up first. */
  private terminatedBy: NodeJS.Signals | undefined;
  /** How many `source` files are running inside each other now. */
  private sourceDepth = 0;
  /** True while a line runs (between prompts, SIGTERM/SIGHUP can leave at once). */
  private running = false;

  constructor(private readonly options: ShellOptions) {
    this.io = {
      source: options.input === undefined ? PROCESS_IO.source : { kind: 'text', text: options.input },
      stdout: options.stdout ? { kind: 'stream', stream: options.stdout } : PROCESS_IO.stdout,
      stderr: options.stderr ? { kind: 'stream', stream: options.stderr } : PROCESS_IO.stderr,
    };
    const writeStderr = (text: string): void => this.writeStderr(text);
    this.state = {
      variables: new Map(),
      environment: new Map(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined)),
      aliases: new Map(),
      options: { pipefail: false, usage: options.usage ?? false, errexit: false, nounset: false },
      loopDepth: 0,
      conditionDepth: 0,
      scriptName: options.scriptName,
      positional: options.positional,
      lastStatus: 0,
      lastBackgroundPid: undefined,
      jobs: [],
    };
    const current = new CurrentSessions(options.currentSessionsFile);
    const host: ShellHost = {
      parseAlias: (text) => parseAlias(text),
      source: (file, args, context) => this.source(file, args, context),
      currentSession: () => current.get(),
      setCurrentSession: (id) => current.set(id),
      backgroundOutput: () => this.backgroundWriter && { stdout: new LineWriter(this.backgroundWriter, 'stdout'), stderr: new LineWriter(this.backgroundWriter, 'stderr') },
      // Only the REPL lends a background writer: that is what makes this shell interactive.
      interactive: () => this.backgroundWriter !== undefined,
    };
    this.context = {
      state: this.state,
      specialists: options.specialists,
      host,
      stdin: { isTTY: isatty(0), isScript: options.stdinIsScript, consumed: false },
      reporter: options.events
        ? {
            notice: (text) => {
              if (!options.quiet) options.events!.notice(text);
            },
            error: (text) => options.events!.error(text),
          }
        : {
            notice: (text) => {
              if (!options.quiet) writeStderr(text);
            },
            error: writeStderr,
          },
      signal: this.line.signal,
      children: new Set(),
      session: {
        quiet: options.quiet,
        defaultTimeoutSeconds: options.timeoutSeconds,
        echoNoticeShown: false,
        stdoutClosed: false,
        ...(options.display && { display: options.display }),
        ...(options.maxInputBytes && { maxInputBytes: options.maxInputBytes }),
        ...(options.cache !== undefined && { cache: options.cache }),
        ...(options.budget && { budget: options.budget }),
        ...(options.priceOf && { priceOf: options.priceOf }),
      },
      ...(options.log && { log: options.log }),
      ...(options.events && { events: options.events }),
      directory: () => {
        // A failed fetch (server down) is not cached: the next line asks again.
        this.directoryCache ??= this.loadDirectory().catch((error) => {
          this.directoryCache = undefined;
          throw error;
        });
        return this.directoryCache;
      },
    };
  }

  /** Where a chat inside this shell writes: the same notices, output facts (one echo notice per run) and log as its lines. */
  get answerOutput(): Pick<ExecContext, 'reporter' | 'session' | 'log'> {
    const { reporter, session, log } = this.context;
    return { reporter, session, ...(log && { log }) };
  }

  private backgroundWriter: BackgroundWriter | undefined;

  /** Background jobs started at the prompt write their whole lines through `write` (the REPL draws them above the line being typed). */
  writeBackgroundOutputWith(write: BackgroundWriter): void {
    this.backgroundWriter = write;
  }

  /** `--confirm-tools` in the REPL: `ask` is asked before each tool call of every line. */
  confirmToolsWith(ask: NonNullable<ExecContext['session']['confirmTool']>): void {
    this.context.session.confirmTool = ask;
  }

  /** The exchange log this shell records to, if any (`!N` in the REPL reads it). */
  get log(): ExchangeLog | undefined {
    return this.options.log;
  }

  private async loadDirectory(): Promise<SpecialistDirectory> {
    const list = await this.options.specialists.list();
    const aliases = new Map<string, string>();
    for (const specialist of list) for (const alias of specialist.aliases) aliases.set(alias, specialist.id);
    return { ids: list.map((specialist) => specialist.id), aliases };
  }

  /** Ctrl-C cancels the running line; a closed stdout (`| head`) ends it quietly. */
  installSignalHandlers(): void {
    process.on('SIGINT', () => this.cancel());
    // TERM and HUP end aish as Ctrl-C ends a line: children stopped, files and pipes
    // cleaned up, the cut exchange logged; then the status is 128 + the signal's number.
    for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, () => this.terminate(signal));
    // Other write errors (a full disk) are thrown to the stage that wrote, which reports them.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') return;
      this.context.session.stdoutClosed = true;
      this.cancel();
    });
  }

  /** The specialist service this shell talks to (the REPL's completion and chat mode use it). */
  get specialists(): Specialists {
    return this.options.specialists;
  }

  /** Specialist ids and registered aliases, from the same cache name resolution uses. */
  directory(): Promise<SpecialistDirectory> {
    return this.context.directory();
  }

  /** Records the session this terminal used last, for `-C`. */
  rememberSession(id: string): void {
    this.context.host.setCurrentSession(id);
  }

  cancel(): void {
    this.line.abort();
    cancelLine(this.context);
  }

  /** The status aish ends with after SIGTERM or SIGHUP, once the running line has stopped. */
  get terminationStatus(): number | undefined {
    return this.terminatedBy === undefined ? undefined : 128 + osConstants.signals[this.terminatedBy];
  }

  private terminate(signal: NodeJS.Signals): void {
    this.terminatedBy ??= signal;
    this.exitRequested = true;
    // Nothing running (the REPL waits at its prompt): nothing to clean up.
    if (!this.running) process.exit(this.terminationStatus);
    this.line.abort();
    cancelLine(this.context, signal);
    // Should a stage not end after its children were killed, still leave.
    setTimeout(() => process.exit(this.terminationStatus), TERMINATION_GRACE_MS).unref();
  }

  /** Parses and runs a text (a `-c` line or a whole script); returns the exit status. */
  async run(text: string, origin?: string): Promise<number> {
    // Each run has its own `per_run` budget (a REPL line is a run).
    this.context.session.budget?.newRun();
    const parsed = parse(text);
    if (!parsed.ok) {
      this.writeStderr(renderDiagnostic(parsed.diagnostic, text, { kind: 'syntax error', ...(origin && { origin }) }));
      return SYNTAX_ERROR_STATUS;
    }
    if (this.terminatedBy) return this.terminationStatus!;
    this.renewLine();
    this.running = true;
    try {
      const status = await runScript(parsed.script, this.context, this.io, { name: origin, text });
      return this.terminationStatus ?? status;
    } catch (error) {
      if (error instanceof ExitRequest) {
        this.exitRequested = true;
        return this.terminationStatus ?? error.status;
      }
      // An unset name under `set -u` or a bad `$(( ))` stops the script (the REPL goes on to the next line).
      if (error instanceof ScriptError) {
        this.writeStderr(`aish: ${error.message}`);
        return error.status;
      }
      throw error;
    } finally {
      this.running = false;
    }
  }

  /** The plan of a text, as `--dry-run` shows it (as text, or one JSON document); nothing runs. */
  async explain(text: string, origin?: string, format: 'text' | 'json' = 'text'): Promise<{ status: number; output: string }> {
    // Loaded here, on first use: a line that is only run does not load the explanation.
    const { explainScript } = await import('../exec/explain.js');
    const { explainScriptJson, planDocumentText } = await import('../exec/explain-json.js');
    const parsed = parse(text);
    if (!parsed.ok) {
      this.writeStderr(renderDiagnostic(parsed.diagnostic, text, { kind: 'syntax error', ...(origin && { origin }) }));
      // With --json still one document: nothing planned, the syntax error's status.
      return { status: SYNTAX_ERROR_STATUS, output: format === 'json' ? planDocumentText({ status: SYNTAX_ERROR_STATUS, pipelines: [] }) : '' };
    }
    // The script's arguments are known before anything runs: show `$1` as the value it will have.
    const script = withPositional(parsed.script, this.state.scriptName, this.state.positional);
    return format === 'json' ? explainScriptJson(script, this.context) : explainScript(script, this.context);
  }

  /** Also keeps every finished AI exchange in `into` (the `--json` run document). */
  collectExchanges(into: Exchange[]): void {
    this.context.log = collectingLog(this.context.log, into);
  }

  /** Waits for `&` jobs before the process ends (they run inside this process). */
  /**
   * At the end of `-c` or a script: waits for the background jobs that work
   * inside aish (they would die with it); jobs made only of Unix commands keep
   * running on their own, as in sh.
   */
  async waitForJobs(): Promise<void> {
    if (this.terminatedBy) return;
    await Promise.all(this.state.jobs.map(async (job) => ((await job.needsAish) ? job.done : undefined)));
  }

  private renewLine(): void {
    if (!this.line.signal.aborted) return;
    this.line = new AbortController();
    this.context.signal = this.line.signal;
    this.context.children = new Set();
  }

  private writeStderr(text: string): void {
    if (this.options.events) return this.options.events.error(text.replace(/\n$/, ''));
    (this.options.stderr ?? process.stderr).write(text.endsWith('\n') ? text : text + '\n');
  }

  /** `source FILE [ARGS]`: runs a file in this shell, with its own `$1…` while it runs. */
  private async source(file: string, args: string[], context: ExecContext): Promise<number> {
    // A script that sources itself would otherwise grow without end.
    if (this.sourceDepth >= MAX_SOURCE_DEPTH) {
      context.reporter.error(`aish: source: ${file}: sourced too deeply (more than ${MAX_SOURCE_DEPTH} files at once; does it source itself?)`);
      return 1;
    }
    let text: string;
    try {
      text = readTextFile(file);
    } catch (error) {
      context.reporter.error(`aish: source: ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (error as Error).message}`);
      return 1;
    }
    const parsed = parse(text);
    if (!parsed.ok) {
      this.writeStderr(renderDiagnostic(parsed.diagnostic, text, { kind: 'syntax error', origin: file }));
      return SYNTAX_ERROR_STATUS;
    }
    const saved = this.state.positional;
    if (args.length > 0) this.state.positional = args;
    this.sourceDepth++;
    try {
      return await runScript(parsed.script, context, this.io, { name: file, text });
    } finally {
      this.sourceDepth--;
      this.state.positional = saved;
    }
  }
}

/** An alias body must be one pipeline (no `;`, `&&`, `||` or `&`). */
function parseAlias(text: string): ReturnType<ShellHost['parseAlias']> {
  const parsed = parse(text);
  if (!parsed.ok) return { ok: false, diagnostic: parsed.diagnostic, source: text };
  const lists = parsed.script.lists;
  const item = lists[0]?.items[0];
  if (lists.length !== 1 || lists[0]!.items.length !== 1 || !item || item.background || item.body.rest.length > 0) {
    return {
      ok: false,
      diagnostic: { code: 'alias/not-a-pipeline', message: 'an alias must be one pipeline', span: { start: 0, end: text.length } },
      source: text,
    };
  }
  return { ok: true, pipeline: item.body.first };
}



/** A copy of `node` with `$0`…`$9`, `$#`, `$@` and `$*` replaced by their values as text (for `--dry-run FILE ARGS`). */
function withPositional<T>(node: T, scriptName: string, positional: readonly string[]): T {
  const valueOf = (name: string): string | undefined => {
    if (name === '0') return scriptName;
    if (/^[1-9]$/.test(name)) return positional[Number(name) - 1] ?? '';
    if (name === '#') return String(positional.length);
    if (name === '@' || name === '*') return positional.join(' ');
    return undefined;
  };
  const copy = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(copy);
    // A word of one text part has no variable in it (and copying its fields would lose its `parts`).
    if (typeof value !== 'object' || value === null || value instanceof TextWord) return value;
    const record = value as Record<string, unknown>;
    if (record.kind === 'variable' && typeof record.name === 'string') {
      const text = valueOf(record.name);
      if (text !== undefined) return { kind: 'text', value: text, span: record.span };
    }
    return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, copy(inner)]));
  };
  return copy(node) as T;
}
