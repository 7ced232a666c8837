/**
 * Runs parsed scripts: lines, `;`, `&&`, `||`, `&`, and `$?`. Each pipeline is
 * planned just before it runs (names resolve against the shell's state at
 * that moment); a pipeline that fails to plan runs no stage and has status 3.
 */
import { positionAt } from '../diag/diagnostic.js';
import { findExecutable, planPipeline, type AndOr, type Command, type List, type Pipeline, type PipelinePlan, type Script, type Span, type SpecialistDirectory } from '../plan/index.js';
import { toAishError } from '../protocol/index.js';
import { BUILTIN_KINDS } from './builtins.js';
import type { ChildProcess } from 'node:child_process';
import type { ExecContext, Job } from './context.js';
import { sourceLine, type PipelineRecord } from './exchange.js';
import { ExitRequest } from './builtins.js';
import { expandWordSync } from './expand.js';
import { runPipelinePlan, type Nested, type PipelineIo } from './pipeline.js';
import { TextCollector } from './streams.js';
import { stopChildren } from './unix.js';

/** aish's own stdin, stdout and stderr: where a top-level line reads and writes. */
export const PROCESS_IO: PipelineIo = { source: { kind: 'stdin' }, stdout: { kind: 'fd', fd: 1 }, stderr: { kind: 'fd', fd: 2 } };

/** Where the text being run came from, for locating run-time errors. */
export interface Origin {
  name: string | undefined;
  text: string;
}

export async function runScript(script: Script, context: ExecContext, io: PipelineIo = PROCESS_IO, origin?: Origin): Promise<number> {
  for (const list of script.lists) {
    if (context.signal.aborted) break;
    await runList(list, context, io, origin);
  }
  return context.signal.aborted ? 130 : context.state.lastStatus;
}

async function runList(list: List, context: ExecContext, io: PipelineIo, origin: Origin | undefined): Promise<void> {
  for (const item of list.items) {
    if (context.signal.aborted) return;
    if (item.background) await startJob(item.body, context, io, origin);
    else context.state.lastStatus = await runAndOr(item.body, context, io, origin);
  }
}

/**
 * `a && b || c`: each pipeline but the last runs as a condition (`set -e`
 * does not stop the script there), and so does a `!` pipeline; under `set -e` a failing last pipeline
 * ends the script, unless it is a compound command, whose own commands were
 * checked as they ran.
 */
async function runAndOr(andOr: AndOr, context: ExecContext, io: PipelineIo, origin: Origin | undefined): Promise<number> {
  const pipelines = [andOr.first, ...andOr.rest.map((link) => link.pipeline)];
  const { state } = context;
  let status = 0;
  for (const [index, pipeline] of pipelines.entries()) {
    if (index > 0) {
      if (context.signal.aborted) return 130;
      state.lastStatus = status;
      if ((andOr.rest[index - 1]!.operator === '&&') !== (status === 0)) continue;
    }
    const last = index === pipelines.length - 1;
    // A `!` pipeline is tested, as a condition is: `set -e` stops at nothing inside it.
    const tested = !last || pipeline.negated === true;
    if (tested) state.conditionDepth++;
    try {
      status = await runPipeline(pipeline, context, io, origin);
    } finally {
      if (tested) state.conditionDepth--;
    }
    if (!tested && status !== 0 && state.options.errexit && state.conditionDepth === 0 && !isCompound(pipeline)) throw new ExitRequest(status);
  }
  return status;
}

function isCompound(pipeline: Pipeline): boolean {
  const only = pipeline.stages.length === 1 ? pipeline.stages[0]! : undefined;
  return only !== undefined && (only.kind === 'if' || only.kind === 'while' || only.kind === 'for' || only.kind === 'brace');
}

/** The lists inside a compound command, run with the compound command's ends. */
function runBody(script: Script, context: ExecContext, io: PipelineIo): Promise<number> {
  return runScript(script, context, io);
}

async function runPipeline(pipeline: Pipeline, context: ExecContext, io: PipelineIo, origin: Origin | undefined): Promise<number> {
  const planned = await planFor(pipeline, context);
  if (!planned.ok) {
    context.reporter.error(`aish: ${planned.located ? locate(planned.located, origin) : ''}${planned.message}`);
    return planned.status;
  }
  // A pipeline inside `$( … )` belongs to the top-level pipeline's line and usage total.
  const record: PipelineRecord | undefined = context.log && !context.pipeline ? { commandLine: sourceLine(origin?.text ?? '', pipeline), exchanges: [] } : undefined;
  const status = await runPipelinePlan(planned.plan, io, record ? { ...context, pipeline: record } : context, NESTED, false);
  if (record && record.exchanges.length > 0) await context.log!.pipelineEnded(record.exchanges, context.state.options.usage);
  return context.signal.aborted ? 130 : status;
}

export type Planned = { ok: true; plan: PipelinePlan } | { ok: false; message: string; status: number; located?: Span };

const NO_ALIASES: ReadonlyMap<string, Pipeline> = new Map();

/** Resolves a pipeline's names against the shell's state now (docs/language.md "Stages"). */
export async function planFor(pipeline: Pipeline, context: ExecContext): Promise<Planned> {
  // Planned once per pipeline per loop round: without aliases (the usual script) no map is built.
  const aliases = context.state.aliases.size === 0 ? NO_ALIASES : new Map([...context.state.aliases].map(([name, alias]) => [name, alias.pipeline]));
  let directory: SpecialistDirectory;
  try {
    directory = await context.directory();
  } catch (error) {
    // The specialist list comes from the server: without it no name can be resolved.
    const failure = toAishError(error);
    return { ok: false, message: failure.message, status: failure.exitStatus };
  }
  const planned = planPipeline(pipeline, {
    builtins: BUILTIN_KINDS,
    directory,
    aliases,
    expandName: (word) => expandWordSync(word, context),
    findExecutable: (name) => findExecutable(name, context.state.environment.get('PATH') ?? ''),
  });
  if (planned.ok) return planned;
  const { code, message, span } = planned.diagnostic;
  return { ok: false, message, status: code === 'plan/not-found' || code === 'plan/ambiguous' ? 3 : 1, located: span };
}

/** `file:line: ` for errors in script files; nothing for a `-c` line. */
function locate(span: Span, origin: Origin | undefined): string {
  if (!origin?.name) return '';
  return `${origin.name}:${positionAt(origin.text, span.start).line}: `;
}

/** Runs `$( … )`: the nested script's stdout, collected as text. */
async function captureOutput(script: Script, context: ExecContext): Promise<string> {
  // Every pipeline of `$(a; b)` writes here, so its end does not close it.
  const sink = new TextCollector();
  const io: PipelineIo = { source: { kind: 'stdin' }, stdout: { kind: 'stream', stream: sink }, stderr: { kind: 'fd', fd: 2 } };
  try {
    await runScript(script, context, io);
  } catch (error) {
    // `exit` (or `set -e`) inside `$( … )` ends only the substitution, as a subshell would.
    if (!(error instanceof ExitRequest)) throw error;
    context.state.lastStatus = error.status;
  }
  return sink.text();
}

/** Plans one command named at run time (`$( … )`) as a stage. */
async function resolveCommand(command: Command, context: ExecContext): ReturnType<Nested['resolve']> {
  const planned = await planFor({ kind: 'pipeline', stages: [command], span: command.span }, context);
  return planned.ok ? { ok: true, step: planned.plan.stages[0]! } : planned;
}

const NESTED: Nested = { capture: captureOutput, body: runBody, resolve: resolveCommand };

/**
 * `list &`: runs in the background with its own cancellation; at the REPL's
 * prompt, `[n] PID` (or `[n] text` for a job without a process) on stderr (n is
 * the job's number, its id). `$!` becomes the process id of the
 * job's first child once it has one (never aish's own: `kill $!` must not end aish).
 */
async function startJob(body: AndOr, context: ExecContext, io: PipelineIo, origin: Origin | undefined): Promise<void> {
  const { state } = context;
  const number = state.jobs.reduce((max, job) => Math.max(max, job.number), 0) + 1;
  const controller = new AbortController();
  const text = origin ? origin.text.slice(body.span.start, body.span.end) : '';
  const job: Job = { number, id: String(number), text, done: Promise.resolve(0), status: undefined, needsAish: Promise.resolve(true) };
  let started = (): void => {};
  const startedOrDone = new Promise<void>((resolve) => (started = resolve));
  const jobContext: ExecContext = { ...context, signal: controller.signal, children: new JobChildren(state, job), pipelineStarted: started };
  job.needsAish = runsInsideAish(body, jobContext);
  state.jobs.push(job);
  // In the REPL a job's output waits for the next prompt instead of landing in the line being typed.
  const elsewhere = io.stdout.kind === 'fd' && io.stdout.fd === 1 ? context.host.backgroundOutput?.() : undefined;
  const jobIo: PipelineIo = elsewhere ? { ...io, stdout: { kind: 'stream', stream: elsewhere.stdout }, stderr: { kind: 'stream', stream: elsewhere.stderr } } : io;
  job.done = runAndOr(body, jobContext, jobIo, origin).then(
    (status) => (job.status = status),
    () => (job.status = 1),
  );
  job.done.then(started, started);
  // The job's first pipeline is running (or it is over) before the next command: `$!` is its child's id.
  await startedOrDone;
  // As an interactive bash: `[n] PID` for a job with a process; a job living inside aish (an AI stage, a builtin) shows its text.
  if (context.host.interactive?.()) context.reporter.notice(`[${number}] ${job.pid ?? text}`);
  state.lastStatus = 0;
}

/** A background job's children: the first one gives the job its process id (`$!`). */
class JobChildren extends Set<ChildProcess> {
  constructor(
    private readonly state: ExecContext['state'],
    private readonly job: Job,
  ) {
    super();
  }

  override add(child: ChildProcess): this {
    if (this.job.pid === undefined && child.pid !== undefined) {
      this.job.pid = child.pid;
      this.state.lastBackgroundPid = child.pid;
    }
    return super.add(child);
  }
}

/**
 * Whether a job does work inside aish (an AI stage, a builtin): such a job
 * would die with aish, so aish waits for it at the end of `-c` or a script.
 * A job made only of Unix commands keeps running on its own, as in sh.
 */
async function runsInsideAish(body: AndOr, context: ExecContext): Promise<boolean> {
  for (const pipeline of [body.first, ...body.rest.map((link) => link.pipeline)]) {
    const planned = await planFor(pipeline, context);
    if (planned.ok && planned.plan.stages.some((step) => step.kind !== 'unix')) return true;
  }
  return false;
}

/** Stops what a cancelled line left running. */
export function cancelLine(context: ExecContext, signal: NodeJS.Signals = 'SIGINT'): void {
  stopChildren(context.children, signal);
}
