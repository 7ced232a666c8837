/**
 * Runs one planned pipeline. Stage words are expanded and redirect files
 * opened first, left to right; then the pipes between stages are made and
 * every stage starts at once, each with its ends after its redirects.
 */
import { parseAiArgs, stepLabel, type Command, type PipelinePlan, type Span, type StepPlan, type Word } from '../plan/index.js';
import { runAiStage } from './ai-stage.js';
import { ExitRequest, runBuiltin } from './builtins.js';
import { LoopControl, runCompound, type BodyRunner } from './compound.js';
import { compoundInput } from './compound-input.js';
import type { EventStageKind, ExecContext, Reporter } from './context.js';
import { expandTarget, expandWord, expandWords, type CaptureRunner } from './expand.js';
import { runFanout, type BranchIo } from './fanout.js';
import { applyRedirects, closeRedirects, prepareRedirects, RedirectError, type ReadyRedirect, type StageEnds } from './redirects.js';
import { runRoute } from './route.js';
import { ReaderGone, releaseSource, reportWriteFailure, shared, WriteFailure, type Sink, type Source } from './streams.js';
import { startUnix } from './unix.js';
import { InputRefused } from './stage-input.js';
import { schemaProblem } from './stage-schema.js';
import { loadChildProcess } from './process-support.js';
import { closeFd, createOsPipe } from './os-pipe.js';
import { writeSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { assignVariable, childEnvironment, subshellState } from './variables.js';

export type PipelineIo = BranchIo;

/** What a pipeline needs from the runner above it: `$( … )`, the lists inside compound commands, and resolving a name known only at run time. */
export interface Nested {
  capture: CaptureRunner;
  body: BodyRunner;
  /** Plans one command as a stage (its name is literal by now); a name that does not resolve is an error with a status. */
  resolve(command: Command, context: ExecContext): Promise<{ ok: true; step: StepPlan } | { ok: false; message: string; status: number }>;
}

/** Builtins whose `NAME=value` arguments are assignments: their values are not globbed, as in sh. */
const DECLARING = new Set(['export', 'set', 'alias']);

interface Prepared {
  step: StepPlan;
  args: string[];
  /** `NAME=value` words before the command, expanded. */
  assignments: Map<string, string>;
  redirects: ReadyRedirect[];
  /** Set when the stage could not be set up (a redirect failed): its status. */
  failed?: number;
  /** A command whose `$( … )` name gave no word: the substitution's status. */
  emptyStatus?: number;
}

export async function runPipelinePlan(plan: PipelinePlan, io: PipelineIo, context: ExecContext, nested: Nested, subshell: boolean): Promise<number> {
  const prepared: Prepared[] = [];
  for (const step of plan.stages) prepared.push(await prepare(step, context, nested, io.stderr));
  if (stopForSchema(prepared, context)) {
    releaseSource(io.source);
    closeSink(io.stdout);
    return 1;
  }
  // A compound command may make a pipe for its input (mkfifo), besides the Unix stages.
  if (plan.stages.some((step) => step.kind === 'unix' || step.kind === 'compound')) await loadChildProcess();
  const inSubshell = subshell || plan.stages.length > 1;
  const links = connect(prepared);
  let inputRefused = false;
  // Stage events come from pipelines that are not themselves inside a stage (a fan-out branch's pipeline is part of its stage).
  const events = context.eventStage === undefined ? context.events : undefined;
  const pipelineNumber = events?.nextPipeline() ?? 0;
  const runStage = (stage: Prepared, index: number, context: ExecContext): Promise<number> => {
    const pipeIn = index === 0 ? io.source : links[index - 1]!.source;
    const pipeOut = index === prepared.length - 1 ? io.stdout : links[index]!.sink;
    if (stage.failed !== undefined) {
      releaseSource(pipeIn);
      closeSink(pipeOut);
      return Promise.resolve(stage.failed);
    }
    const ends = applyRedirects(stage.redirects, { source: pipeIn, stdout: pipeOut, stderr: io.stderr });
    // `a | b < f` and `a > f | b`: a pipe end the stage does not use is released at once.
    if (ends.source !== pipeIn) releaseSource(pipeIn);
    if (ends.stdout !== pipeOut && ends.stderr !== pipeOut) closeSink(pipeOut);
    const done = start(stage, ends, io, context, nested, inSubshell, () => (inputRefused = true));
    return done.then((status) => finishStage(stage, status, context));
  };
  const dones = prepared.map((stage, index) => {
    const ref = events && EVENT_KINDS.has(stage.step.kind) ? { pipeline: pipelineNumber, stage: index } : undefined;
    if (!ref) return runStage(stage, index, context);
    events!.stageStart(ref, eventFields(stage));
    return runStage(stage, index, { ...context, eventStage: ref }).then(
      (status) => {
        events!.stageDone(ref, status);
        return status;
      },
      (error: unknown) => {
        // `exit N` ends the stage too (and the run after it).
        events!.stageDone(ref, error instanceof ExitRequest ? error.status : 1);
        throw error;
      },
    );
  });
  context.pipelineStarted?.();
  // Children have their own copies of the pipes between them now.
  for (const link of links) if (link.fds) link.fds.forEach(closeFd);
  const statuses = await Promise.all(dones);
  // The stages after a refused input saw no answer, not an empty one: the pipeline failed.
  const status = inputRefused ? 1 : context.state.options.pipefail ? ([...statuses].reverse().find((status) => status !== 0) ?? 0) : statuses[statuses.length - 1]!;
  if (!plan.negated) return status;
  return status === 0 ? 1 : 0;
}

/** The stages `--events` reports (compound commands, groups and assignments report the pipelines inside them instead). */
const EVENT_KINDS = new Set<StepPlan['kind']>(['ai', 'route', 'fanout', 'unix', 'builtin']);

/** What `stage.start` says of a stage: its kind, and for an AI stage the specialist (and the model its `--model` names). */
function eventFields(stage: Prepared): { kind: EventStageKind; specialist?: string; model?: string } {
  const kind = stage.step.kind as EventStageKind;
  if (stage.step.kind !== 'ai') return { kind };
  const parsed = parseAiArgs(stage.args);
  const model = parsed.ok ? parsed.options.model : undefined;
  return { kind, specialist: stage.step.specialist, ...(model !== undefined && { model }) };
}

interface Link {
  sink: Sink;
  source: Source;
  /** Descriptors of an OS pipe between two children: ours to close once both started. */
  fds?: number[];
}

/** The pipe between each pair of stages: an OS pipe between two children, else a JS stream. */
function connect(prepared: Prepared[]): Link[] {
  const links: Link[] = [];
  for (let index = 0; index + 1 < prepared.length; index++) {
    const next = prepared[index + 1]!.step;
    const bothChildren = prepared[index]!.step.kind === 'unix' && next.kind === 'unix';
    const pipe = bothChildren ? createOsPipe() : undefined;
    if (pipe) {
      links.push({ sink: { kind: 'fd', fd: pipe.writeFd }, source: { kind: 'fd', fd: pipe.readFd }, fds: [pipe.readFd, pipe.writeFd] });
    } else {
      const stream = new PassThrough();
      // An answer passes to another AI stage byte for byte; to anything else it ends its line.
      const rawAnswer = next.kind === 'ai' || next.kind === 'route' || next.kind === 'fanout';
      links.push({ sink: { kind: 'stream', stream, rawAnswer }, source: { kind: 'stream', stream } });
    }
  }
  return links;
}

async function prepare(planned: StepPlan, context: ExecContext, nested: Nested, stderr: Sink): Promise<Prepared> {
  const { capture } = nested;
  const named = await nameAtRunTime(planned, context, nested);
  if ('failed' in named) {
    sinkReporter(stderr, context).error(`aish: ${named.message}`);
    return { step: planned, args: [], assignments: new Map(), redirects: [], failed: named.failed };
  }
  const { step } = named;
  if (step.kind === 'ai' && step.shadows !== undefined) reportShadow(step.written, step.specialist, step.shadows, context);
  const words = 'args' in step ? step.args : [];
  const args = await expandWords(words, context, capture, !(step.kind === 'builtin' && DECLARING.has(step.name)));
  if (step.kind === 'unix') args.unshift(step.program);
  const assignments = new Map<string, string>();
  for (const assignment of step.assignments ?? []) assignments.set(assignment.name, await expandWord(assignment.value, context, capture));
  try {
    const redirects = await prepareRedirects(
      step.redirects,
      (word) => expandWord(word, context, capture),
      (word) => expandTarget(word, context, capture),
    );
    return { step, args, assignments, redirects, ...(named.emptyStatus !== undefined && { emptyStatus: named.emptyStatus }) };
  } catch (error) {
    if (!(error instanceof RedirectError)) throw error;
    sinkReporter(stderr, context).error(`aish: ${error.message}`);
    return { step, args, assignments, redirects: [], failed: 1 };
  }
}

/**
 * A schema file that cannot be read (or a schema that does not parse) stops
 * the whole pipeline before any stage runs: nothing is sent, no file is written.
 */
function stopForSchema(prepared: Prepared[], context: ExecContext): boolean {
  const problem = prepared.map((stage) => schemaProblem(stage.step, stage.args, stepLabel(stage.step))).find((found) => found !== undefined);
  if (problem === undefined) return false;
  context.reporter.error(problem);
  for (const stage of prepared) closeRedirects(stage.redirects, false);
  return true;
}

/**
 * A command named by `$( … )`: the name is expanded now (the substitution runs
 * once) and the command resolved as any other. Words beyond the first become
 * arguments; no word leaves the next argument as the name, and with none
 * left nothing runs, with the substitution's status, as in sh.
 */
async function nameAtRunTime(step: StepPlan, context: ExecContext, nested: Nested): Promise<{ step: StepPlan; emptyStatus?: number } | { failed: number; message: string }> {
  let emptyStatus: number | undefined;
  while (step.kind === 'dynamic') {
    const { span } = step.name;
    const fields = await expandWords([step.name], context, nested.capture, false);
    emptyStatus = context.state.lastStatus;
    const words = [...fields.map((field) => literalWord(field, span)), ...step.args];
    const [name, ...args] = words;
    if (!name) return { step: { kind: 'assign', assignments: step.assignments ?? [], redirects: step.redirects, span: step.span }, emptyStatus };
    const command: Command = { kind: 'command', name, args, redirects: step.redirects, span: step.span, ...(step.assignments && { assignments: step.assignments }), ...(step.forced && { forced: step.forced }) };
    const resolved = await nested.resolve(command, context);
    if (!resolved.ok) return { failed: resolved.status, message: resolved.message };
    step = resolved.step;
  }
  return { step, ...(emptyStatus !== undefined && step.kind === 'assign' && { emptyStatus }) };
}

function literalWord(text: string, span: Span): Word {
  return { kind: 'word', parts: [{ kind: 'text', value: text, span }], span };
}

/** Local data must not go to a model by surprise: say once per run that a specialist hides a command. */
function reportShadow(written: string, specialist: string, command: string, context: ExecContext): void {
  const reported = (context.session.shadowsReported ??= new Set());
  if (reported.has(written)) return;
  reported.add(written);
  context.reporter.error(`aish: note: '${written}' is the specialist ${specialist}, not the command ${command}; write 'command ${written}' or '!${written}' for the command`);
}

function start(stage: Prepared, ends: StageEnds, io: PipelineIo, context: ExecContext, nested: Nested, subshell: boolean, refused: () => void): Promise<number> {
  const { step } = stage;
  if (step.kind === 'unix') {
    const env = childEnvironment(context.state, stage.assignments);
    return startUnix(step.path, stage.args, ends.source, ends.stdout, ends.stderr, context, env);
  }
  // A stage of a longer pipeline (or inside `( )`) runs apart: what it sets is not seen after it, as in bash.
  const state = subshell && step.kind !== 'ai' && step.kind !== 'route' && step.kind !== 'fanout' ? subshellState(context.state) : context.state;
  const stageContext: ExecContext = { ...context, state, reporter: sinkReporter(ends.stderr, context) };
  const run = async (): Promise<number> => {
    try {
      return await runJsStep(stage, ends, io, stageContext, nested);
    } catch (error) {
      if (error instanceof ExitRequest && subshell) return error.status;
      if (error instanceof LoopControl && subshell) return 0;
      // The reader left early (`| head`): not a failure, as in sh.
      if (error instanceof ReaderGone) return 0;
      if (error instanceof WriteFailure) return reportWriteFailure(error, stageContext);
      if (error instanceof InputRefused) {
        stageContext.reporter.error(`aish: ${error.message}`);
        refused();
        return 1;
      }
      throw error;
    } finally {
      releaseSource(ends.source);
      closeSink(ends.stdout);
    }
  };
  return run();
}

function runJsStep(stage: Prepared, ends: StageEnds, io: PipelineIo, context: ExecContext, nested: Nested): Promise<number> {
  const { step, args } = stage;
  switch (step.kind) {
    case 'builtin':
      return withAssignments(stage.assignments, context, () => runBuiltin({ name: step.name, args, stdin: ends.source, stdout: ends.stdout, stderr: ends.stderr }, context));
    case 'compound': {
      // The commands inside use the compound command's ends and leave them open; it closes them when it ends.
      const input = compoundInput(ends.source);
      return runCompound(step.compound, { source: input.source, stdout: shared(ends.stdout), stderr: shared(ends.stderr) }, context, nested.body, nested.capture).finally(input.close);
    }
    case 'assign':
      return assign(step.assignments, context, nested.capture, stage.emptyStatus ?? 0);
    case 'dynamic':
      throw new Error('a dynamic name is resolved before its stage starts');
    case 'ai':
      return runAiStage({ specialist: step.specialist, args, ...ends }, context);
    case 'route':
      return runRoute({ capability: step.capability, args, ...ends, onRoute: io.onRoute }, context);
    case 'fanout':
      return runFanout({ step, args, ...ends }, context, (pipeline, branchIo, branchContext) =>
        runPipelinePlan(pipeline, branchIo, branchContext, nested, true),
      );
    case 'group':
      return runPipelinePlan(step.pipeline, { ...ends }, context, nested, true);
    case 'unix':
      throw new Error('unix steps are started by startUnix');
  }
}

/** `NAME=value …` alone: sets shell variables; the status is that of the last `$( … )` in the values, else `status` (0, or a `$( … )` name's). */
async function assign(assignments: Extract<StepPlan, { kind: 'assign' }>['assignments'], context: ExecContext, capture: CaptureRunner, status: number): Promise<number> {
  for (const assignment of assignments) {
    const substitutes = assignment.value.parts.some((part) => part.kind === 'substitution');
    const value = await expandWord(assignment.value, context, capture);
    if (substitutes) status = context.state.lastStatus;
    assignVariable(assignment.name, value, context.state);
  }
  return status;
}

/** `NAME=value builtin …`: the variables hold those values while the builtin runs, then their old ones again. */
async function withAssignments(assignments: Map<string, string>, context: ExecContext, run: () => Promise<number>): Promise<number> {
  if (assignments.size === 0) return run();
  const { variables } = context.state;
  const saved = new Map([...assignments.keys()].map((name) => [name, variables.get(name)]));
  for (const [name, value] of assignments) variables.set(name, value);
  try {
    return await run();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) variables.delete(name);
      else variables.set(name, value);
    }
  }
}

function finishStage(stage: Prepared, status: number, context: ExecContext): number {
  const cancelled = context.signal.aborted;
  const success = !cancelled && (stage.step.kind === 'unix' ? status < 128 : status === 0);
  const report = closeRedirects(stage.redirects, success);
  const label = stepLabel(stage.step);
  for (const path of report.unchanged) context.reporter.error(`aish: ${label}: ${path} left unchanged (the stage did not succeed)`);
  for (const path of report.appended) context.reporter.error(`aish: ${label}: the answer was cut short; ${path} has what was received`);
  for (const problem of report.failed) context.reporter.error(`aish: ${problem}`);
  return report.failed.length > 0 && status === 0 ? 1 : status;
}

/** Ends a JS pipe end nobody will write to any more, so its reader sees end of input. */
function closeSink(sink: Sink): void {
  if (sink.kind !== 'stream' || sink.shared) return;
  const { stream } = sink;
  if (stream.destroyed || stream.writableEnded) return;
  stream.on('error', () => {});
  stream.end();
}

/** A reporter whose errors go to the stage's stderr (so `2> file` catches them). */
export function sinkReporter(stderr: Sink, context: ExecContext): Reporter {
  const write = (text: string): void => {
    const line = text.endsWith('\n') ? text : text + '\n';
    if (stderr.kind === 'fd' && stderr.fd === 2) context.reporter.error(text);
    else if (stderr.kind === 'fd') writeSync(stderr.fd, line);
    else if (stderr.kind === 'stream' && !stderr.stream.destroyed && !stderr.stream.writableEnded) stderr.stream.write(line);
  };
  return {
    notice: (text) => {
      // aish's own stderr: the shell's reporter says it (it knows `-q`, and `--events` makes it an event).
      if (stderr.kind === 'fd' && stderr.fd === 2) context.reporter.notice(text);
      else if (!context.session.quiet) write(text);
    },
    error: write,
  };
}
