/**
 * Runs one planned pipeline. Stage words are expanded and redirect files
 * opened first (left to right); then stages start right to left, so each
 * stage can hand the one before it the end of the pipe to write into: a
 * child's stdin (an OS pipe the writer may inherit) or a JS stream.
 */
import type { PipelinePlan, StepPlan } from '../plan/index.js';
import { runAiStage } from './ai-stage.js';
import { ExitRequest, runBuiltin } from './builtins.js';
import type { ExecContext, Reporter } from './context.js';
import { expandWord, expandWords, type CaptureRunner } from './expand.js';
import { runFanout, type BranchIo } from './fanout.js';
import { applyRedirects, closeRedirects, prepareRedirects, RedirectError, redirectsInput, type ReadyRedirect, type StageEnds } from './redirects.js';
import { runRoute } from './route.js';
import { releaseSource, type Sink, type Source } from './streams.js';
import { newPipe, startUnix, type UnixSource } from './unix.js';
import { writeSync } from 'node:fs';

export type PipelineIo = BranchIo;

interface Prepared {
  step: StepPlan;
  args: string[];
  redirects: ReadyRedirect[];
  /** Set when the stage could not be set up (a redirect failed): its status. */
  failed?: number;
}

interface Started {
  upstream: Sink | undefined;
  done: Promise<number>;
}

export async function runPipelinePlan(plan: PipelinePlan, io: PipelineIo, context: ExecContext, capture: CaptureRunner, subshell: boolean): Promise<number> {
  const prepared: Prepared[] = [];
  for (const step of plan.stages) prepared.push(await prepare(step, context, capture, io.stderr));
  const inSubshell = subshell || plan.stages.length > 1;
  const dones: Promise<number>[] = [];
  let downstream: Sink = io.stdout;
  for (let index = plan.stages.length - 1; index >= 0; index--) {
    const stage = prepared[index]!;
    const pipeIn: UnixSource = index === 0 ? io.source : { kind: 'upstream' };
    if (stage.failed !== undefined) {
      closeSink(downstream);
      dones[index] = Promise.resolve(stage.failed);
      downstream = { kind: 'discard' };
      continue;
    }
    const ends = applyRedirects(stage.redirects, { source: pipeIn as Source, stdout: downstream, stderr: io.stderr });
    const started = start(stage, { ...ends, source: ends.source as UnixSource }, io, context, capture, inSubshell);
    dones[index] = started.done.then((status) => finishStage(stage, status, context));
    downstream = index > 0 && !redirectsInput(stage.redirects) && started.upstream ? started.upstream : { kind: 'discard' };
  }
  const statuses = await Promise.all(dones);
  if (context.state.options.pipefail) return [...statuses].reverse().find((status) => status !== 0) ?? 0;
  return statuses[statuses.length - 1]!;
}

async function prepare(step: StepPlan, context: ExecContext, capture: CaptureRunner, stderr: Sink): Promise<Prepared> {
  const args = step.kind === 'group' ? [] : await expandWords(step.args, context, capture);
  if (step.kind === 'unix') args.unshift(step.program);
  try {
    const redirects = await prepareRedirects(step.redirects, (word) => expandWord(word, context, capture));
    return { step, args, redirects };
  } catch (error) {
    if (!(error instanceof RedirectError)) throw error;
    sinkReporter(stderr, context).error(`aish: ${error.message}`);
    return { step, args, redirects: [], failed: 1 };
  }
}

function start(stage: Prepared, ends: Omit<StageEnds, 'source'> & { source: UnixSource }, io: PipelineIo, context: ExecContext, capture: CaptureRunner, subshell: boolean): Started {
  const { step } = stage;
  if (step.kind === 'unix') return startUnix(step.path, stage.args, ends.source, ends.stdout, ends.stderr, context);
  // A JS stage reading from the stage before it gets a pipe of its own.
  let upstream: Sink | undefined;
  let source = ends.source as Source;
  if (ends.source.kind === 'upstream') {
    const pipe = newPipe();
    upstream = { kind: 'stream', stream: pipe, shareable: false };
    source = { kind: 'stream', stream: pipe };
  }
  const stageContext: ExecContext = { ...context, reporter: sinkReporter(ends.stderr, context) };
  const run = async (): Promise<number> => {
    try {
      return await runJsStep(stage, { ...ends, source }, io, stageContext, capture);
    } catch (error) {
      if (error instanceof ExitRequest && subshell) return error.status;
      throw error;
    } finally {
      releaseSource(source);
      closeSink(ends.stdout);
    }
  };
  return { upstream, done: run() };
}

function runJsStep(stage: Prepared, ends: StageEnds, io: PipelineIo, context: ExecContext, capture: CaptureRunner): Promise<number> {
  const { step, args } = stage;
  switch (step.kind) {
    case 'builtin':
      return runBuiltin({ name: step.name, args, stdout: ends.stdout, stderr: ends.stderr }, context);
    case 'ai':
      return runAiStage({ specialist: step.specialist, args, ...ends }, context);
    case 'route':
      return runRoute({ capability: step.capability, args, ...ends, onRoute: io.onRoute }, context);
    case 'fanout':
      return runFanout({ step, args, ...ends }, context, (pipeline, branchIo, branchContext) =>
        runPipelinePlan(pipeline, branchIo, branchContext, capture, true),
      );
    case 'group':
      return runPipelinePlan(step.pipeline, { ...ends }, context, capture, true);
    case 'unix':
      throw new Error('unix steps are started by startUnix');
  }
}

function finishStage(stage: Prepared, status: number, context: ExecContext): number {
  const cancelled = context.signal.aborted;
  const success = !cancelled && (stage.step.kind === 'unix' ? status < 128 : status === 0);
  const report = closeRedirects(stage.redirects, success);
  const label = stage.args[0] && stage.step.kind === 'unix' ? stage.args[0] : labelOf(stage.step);
  for (const path of report.unchanged) context.reporter.error(`aish: ${label}: ${path} left unchanged (the stage did not succeed)`);
  for (const path of report.appended) context.reporter.error(`aish: ${label}: the answer was cut short; ${path} has what was received`);
  return status;
}

function labelOf(step: StepPlan): string {
  if (step.kind === 'ai') return step.specialist;
  if (step.kind === 'route') return '@' + step.capability;
  if (step.kind === 'builtin') return step.name;
  return step.kind === 'group' ? step.pipeline.text : 'fan-out';
}

/** Ends a JS pipe end nobody will write to any more, so its reader sees end of input. */
function closeSink(sink: Sink): void {
  if (sink.kind !== 'stream') return;
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
      if (!context.session.quiet) write(text);
    },
    error: write,
  };
}
