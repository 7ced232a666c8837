/**
 * What the executor runs with: the shell's state (variables, aliases,
 * options, jobs), the `Specialists` service, aish's own streams, and the
 * hooks the shell layer provides for the things that need the parser.
 */
import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { Diagnostic } from '../diag/diagnostic.js';
import type { Pipeline, SpecialistDirectory } from '../plan/index.js';
import type { CallHooks, PendingToolCall, Specialists } from '../protocol/index.js';
import type { ExchangeLog, PipelineRecord } from './exchange.js';
import type { OutputTransform } from './streams.js';
import type { RunBudget } from './budget.js';

/** The mutable state of one shell: a REPL, a script or a `-c` line. */
export interface ShellState {
  /** Shell variables: seen by `$NAME`, not given to Unix commands. */
  variables: Map<string, string>;
  /** The environment of Unix commands: inherited, then `export`ed variables. */
  environment: Map<string, string>;
  /** name → the alias text and its parsed pipeline */
  aliases: Map<string, { text: string; pipeline: Pipeline }>;
  /**
   * `set -o NAME`; `usage` prints tokens and cost after each pipeline that asked an AI (`--usage`);
   * `errexit` is `set -e`, `nounset` is `set -u`.
   */
  options: { pipefail: boolean; usage: boolean; errexit: boolean; nounset: boolean };
  /** How many loops the running command is inside (`break` and `continue` need one). */
  loopDepth: number;
  /** Above 0 while a condition runs (`if`, `while`, left of `&&`/`||`): `set -e` does not stop the script there. */
  conditionDepth: number;
  /** `$0` and `$1…` */
  scriptName: string;
  positional: string[];
  lastStatus: number;
  lastBackgroundPid: number | undefined;
  jobs: Job[];
}

export interface Job {
  number: number;
  id: string;
  text: string;
  done: Promise<number>;
  status: number | undefined;
  /** The process id of the job's first child, once it has one. */
  pid?: number;
  /** Whether the job works inside aish (AI stages, builtins), so aish must wait for it before leaving. */
  needsAish: Promise<boolean>;
}

/** Hooks from the shell layer for builtins that need to parse or run files. */
export interface ShellHost {
  /** Parses `alias name='…'` text into one pipeline, or says what is wrong. */
  parseAlias(text: string): { ok: true; pipeline: Pipeline } | { ok: false; diagnostic: Diagnostic; source: string };
  /** `source FILE [ARGS]`: parses and runs a file in this shell; returns its status. */
  source(file: string, args: string[], context: ExecContext): Promise<number>;
  /** The session this terminal used last (`-C`), shared by pipes, `-c` lines and the REPL. */
  currentSession(): string | undefined;
  setCurrentSession(id: string): void;
  /**
   * Where a background job started from aish's own stdout writes instead (the
   * REPL: above the line being typed); undefined: aish's own stdout and stderr.
   */
  backgroundOutput?(): { stdout: Writable; stderr: Writable } | undefined;
  /** True at the REPL's prompt: `&` says `[n] PID` there, as an interactive bash does (never in `-c` or scripts). */
  interactive?(): boolean;
}

/** How aish's own stdin may be used by stages (docs/language.md "AI stages"). */
export interface StdinState {
  isTTY: boolean;
  /** True when aish reads its script from stdin: stages never read it. */
  isScript: boolean;
  consumed: boolean;
}

export interface Reporter {
  /** A notice on stderr (suppressed by `-q`). */
  notice(text: string): void;
  /** An error on stderr (never suppressed). */
  error(text: string): void;
}

/**
 * The hooks a call of this run gets: `--confirm-tools` asks before each tool call (until
 * `signal` aborts), after `beforeAsking` (which clears a progress line off the terminal).
 */
export function callHooks(facts: ProcessFacts, signal: AbortSignal, beforeAsking?: () => void): CallHooks | undefined {
  const { confirmTool } = facts;
  if (!confirmTool) return undefined;
  return {
    confirmTool: (call) => {
      beforeAsking?.();
      return confirmTool(call, signal);
    },
  };
}

export interface ExecContext {
  state: ShellState;
  specialists: Specialists;
  host: ShellHost;
  stdin: StdinState;
  reporter: Reporter;
  /** Cancels the running line (Ctrl-C); aborts model calls and stops children. */
  signal: AbortSignal;
  /** Children started by this line, stopped on cancel. */
  children: Set<ChildProcess>;
  /** Per-process facts: quiet mode, TTYs, default timeout, the echo notice. */
  session: ProcessFacts;
  /** The specialist names the planner resolves against (fetched once). */
  directory(): Promise<SpecialistDirectory>;
  /** Where finished AI exchanges go (the exchange log, `--usage`); absent: nowhere. */
  log?: ExchangeLog;
  /** Set in a background job: called once its first pipeline's stages have all started. */
  pipelineStarted?: () => void;
  /** The top-level pipeline running, set by the runner. */
  pipeline?: PipelineRecord;
  /** `aish --events`: where stage events go (the CLI writes them as JSON lines). */
  events?: RunEvents;
  /** The stage (and fan-out branch) this context runs, for its events; unset outside a stage. */
  eventStage?: StageRef;
}

/** Which stage an event is about: pipelines are numbered from 0 in the order they run, stages from 0 within one. */
export interface StageRef {
  pipeline: number;
  stage: number;
  /** The fan-out branch, from 0. */
  branch?: number;
}

/** The stage kinds events name. */
export type EventStageKind = 'ai' | 'route' | 'fanout' | 'unix' | 'builtin';

/** One AI call of a stage, as `--events` counts it. */
export interface StageCall {
  model: string | null;
  tokens_in: number | null;
  tokens_out: number | null;
  /** The answer was replayed from the cache (it cost nothing). */
  cached: boolean;
}

/**
 * What the executor tells a program following the run (`aish --events`):
 * stages starting and ending, AI text as it streams, and each AI call's usage.
 * The CLI turns these into events; exec knows nothing of their format.
 */
export interface RunEvents {
  /** A pipeline starts: its number. */
  nextPipeline(): number;
  stageStart(ref: StageRef, fields: { kind: EventStageKind; specialist?: string; model?: string }): void;
  stageDelta(ref: StageRef, text: string): void;
  /** One AI call of the stage ended (answered or not); `cached` when the answer came from the cache. */
  stageUsage(ref: StageRef, usage: StageCall): void;
  stageDone(ref: StageRef, status: number): void;
}

export interface ProcessFacts {
  quiet: boolean;
  /** A model's price in dollars per million tokens (config `prices:` over the built-in table); undefined when unknown. For `--dry-run`'s estimates. */
  priceOf?: (model: string) => Promise<{ input: number; output: number } | undefined>;
  defaultTimeoutSeconds: number | undefined;
  /** Set once the echo-model notice was said: once per run, chats included. */
  echoNoticeShown: boolean;
  stdoutClosed: boolean;
  /** Names already reported as a specialist that hides a command on PATH (once per run). */
  shadowsReported?: Set<string>;
  /** The input limit of AI stages without `--max-input` (`aish --max-input`, `limits.max_input`); undefined: the default. */
  maxInputBytes?: () => Promise<number | undefined>;
  /** How answers and progress look on the terminal (the CLI builds it from src/render); absent: raw text, no progress. */
  display?: Display;
  /** `--cache` (true), `--no-cache` (false), `AISH_CACHE`: sent with every call; absent: the service's own setting. */
  cache?: boolean;
  /** `--max-cost`, `budget:`: what a run and a day may spend; absent: no caps. */
  budget?: RunBudget;
  /** `--confirm-tools` (the REPL): asks on the terminal before each tool call; false refuses it. */
  confirmTool?: (call: PendingToolCall, signal: AbortSignal) => Promise<boolean>;
}

/** A progress display on stderr; `stop()` clears it. */
export interface Progress {
  stop(): void;
}

/** Per-branch progress while a fan-out runs. */
export interface BranchProgress extends Progress {
  set(index: number, state: 'waiting' | 'streaming' | 'done' | 'failed'): void;
}

/** An `--each` run's progress line (drawn only on a terminal). */
export interface RecordsProgress extends Progress {
  set(state: { done: number; total?: number; failed: number; running: number; costUsd: number | null }): void;
  /** Other output is about to go to the terminal: take the line off until it is drawn again. */
  clear(): void;
}

/**
 * What the terminal shows besides raw text. The executor decides when (an
 * answer to aish's own stdout, a stage waiting for its first token); the
 * display decides how, and whether at all (a terminal, `-q`, colour).
 */
export interface Display {
  /** Rewrites an answer on its way to aish's stdout (Markdown, visible control characters); undefined: as it is. */
  answer(): OutputTransform | undefined;
  /** Shown while `label`'s stage waits for its first token. */
  waiting(label: string): Progress;
  /** One line per branch while a fan-out waits. */
  branches(labels: string[]): BranchProgress;
  /** One line while an `--each` run goes: done / total, failed, running, cost, time left. */
  records(label: string): RecordsProgress;
  /** Stored text (the exchange log) as aish's stdout shows it: control characters visible on a terminal. */
  stored(text: string): string;
}
