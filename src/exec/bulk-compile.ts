/**
 * A pipeline made only of AI stages, literal input (`echo WORDS`, a
 * here-string or here-document) and at most one fan-out at its end is sent to
 * a server that offers bulk graphs as ONE request: each stage an operation
 * that depends on the one before (`{op}` stands for its answer). The output is
 * written exactly as the stage-by-stage run writes it. Anything else — flags,
 * redirects, Unix stages, stdin to read, a fan-out in the middle — runs stage
 * by stage. A failed operation ends the pipeline there (its dependants are
 * skipped), where stage by stage a later stage would be sent its instruction
 * alone.
 */
import { literalText, type PipelinePlan, type StepPlan, type Word } from '../plan/index.js';
import { exitStatusFor, type BulkOperation, type BulkResponse } from '../protocol/index.js';
import { composeMessage, echoNotice, isEchoModel } from './ai-stage.js';
import type { ExecContext } from './context.js';
import { recordExchange } from './exchange.js';
import { answerRenderer } from './markdown/index.js';
import type { PipelineIo } from './pipeline.js';
import { ReaderGone, SinkWriter } from './streams.js';

interface Compiled {
  operations: BulkOperation[];
  /** What the pipeline prints: the last operation's answer, or a fan-out's headed answers. */
  output: { id: string; label?: string }[];
  fanout: boolean;
}

/** Runs the pipeline as one bulk request when it can; undefined means "run it stage by stage". */
export async function runAsBulk(plan: PipelinePlan, io: PipelineIo, context: ExecContext): Promise<number | undefined> {
  if (!context.specialists.bulk || io.source.kind !== 'stdin') return undefined;
  const { stdin } = context;
  const compiled = compile(plan, !(stdin.isTTY || stdin.isScript || stdin.consumed));
  if (!compiled) return undefined;
  const started = Date.now();
  const response = await context.specialists.bulk({ operations: compiled.operations, execution: 'parallel' }, context.signal);
  if (!response) return undefined;
  const models = new Map((await context.specialists.list()).map((info) => [info.id, info.model]));
  noticeEcho(compiled, models, context);
  const status = await write(compiled, response, io, context);
  await recordOperations(compiled, response, models, started, context);
  return status;
}

/** Literal text of words, or undefined when any word expands (`$VAR`, `$(…)`) or is a flag. */
function plainWords(words: Word[]): string[] | undefined {
  const texts = words.map((word) => literalText(word));
  if (texts.some((text) => text === undefined || text.startsWith('-'))) return undefined;
  return texts as string[];
}

/** The literal message a stage's here-string or here-document gives, if that is its only redirect. */
function hereInput(step: StepPlan): string | undefined | false {
  if (step.redirects.length === 0) return undefined;
  const [only] = step.redirects;
  if (step.redirects.length > 1 || !only) return false;
  const word = only.kind === 'here-string' ? only.word : only.kind === 'here-doc' ? only.body : undefined;
  const text = word && literalText(word);
  return text === undefined ? false : text;
}

function compile(plan: PipelinePlan, stdinReadable: boolean): Compiled | undefined {
  const stages = [...plan.stages];
  let input: string | undefined;
  const first = stages[0];
  if (first?.kind === 'builtin' && first.name === 'echo' && first.redirects.length === 0) {
    const words = first.args.map((word) => literalText(word));
    if (words.some((word) => word === undefined) || words[0] === '-n') return undefined;
    input = words.join(' ') + '\n';
    stages.shift();
  }
  const operations: BulkOperation[] = [];
  let previous: string | undefined;
  for (const [index, step] of stages.entries()) {
    const last = index === stages.length - 1;
    const here = hereInput(step);
    if (here === false || (here !== undefined && (index > 0 || input !== undefined))) return undefined;
    // The first stage reads aish's stdin when nothing else feeds it: that stays stage by stage.
    if (index === 0 && input === undefined && here === undefined && stdinReadable) return undefined;
    const stageInput = index === 0 ? (here ?? input) : `{${previous}}`;
    if (step.kind === 'ai') {
      const words = plainWords(step.args);
      if (!words) return undefined;
      const id = `aish_stage_${index + 1}`;
      const message = composeMessage(words.join(' '), stageInput);
      if (message === '') return undefined;
      operations.push({ id, ai: step.specialist, message, ...(previous && { depends_on: [previous] }) });
      previous = id;
      if (last) return operations.length > 1 ? { operations, output: [{ id }], fanout: false } : undefined;
      continue;
    }
    if (step.kind !== 'fanout' || !last) return undefined;
    const shared = plainWords(step.args);
    if (!shared) return undefined;
    const output: Compiled['output'] = [];
    for (const [number, branch] of step.branches.entries()) {
      const only = branch.pipeline.stages[0];
      if (branch.pipeline.stages.length !== 1 || only?.kind !== 'ai' || only.redirects.length > 0) return undefined;
      const words = plainWords(only.args);
      if (!words) return undefined;
      const id = `aish_stage_${index + 1}_${number + 1}`;
      const message = composeMessage(words.join(' '), stageInput);
      if (message === '') return undefined;
      operations.push({ id, ai: only.specialist, message, ...(previous && { depends_on: [previous] }) });
      output.push({ id, label: branch.label });
    }
    return { operations, output, fanout: true };
  }
  return undefined;
}

function noticeEcho(compiled: Compiled, models: Map<string, string>, context: ExecContext): void {
  if (compiled.operations.some((operation) => isEchoModel(models.get(operation.ai) ?? ''))) echoNotice(context);
}

/** The bulk runner's `{id}` placeholders (service/bulk-graph.ts), filled in one pass as it fills them. */
const PLACEHOLDER = /\{([^{}]+)\}/g;

/**
 * Each operation that ran is one exchange for the log, with the message as the
 * server sent it (placeholders filled). The bulk answer names no model, so the
 * specialist's configured one stands in; skipped operations were never sent.
 */
async function recordOperations(compiled: Compiled, response: BulkResponse, models: Map<string, string>, started: number, context: ExecContext): Promise<void> {
  if (!context.log) return;
  const answers = new Map<string, string>();
  for (const operation of compiled.operations) {
    const result = response.results[operation.id];
    if (!result || result.status === 'skipped') continue;
    const message = operation.message.replace(PLACEHOLDER, (whole, name: string) => answers.get(name) ?? whole);
    const answer = result.response ?? '';
    if (result.status === 'success') answers.set(operation.id, answer);
    await recordExchange(context, {
      started_at: started,
      specialist: result.ai,
      model: models.get(result.ai) ?? null,
      message,
      answer,
      tokens_in: result.status === 'success' ? result.tokens_used.input : null,
      tokens_out: result.status === 'success' ? result.tokens_used.output : null,
      duration_ms: Math.round(result.execution_time * 1000),
      status: result.status === 'success' ? 'ok' : 'error',
      error_code: result.error?.code ?? null,
      session_id: null,
    });
  }
}

async function write(compiled: Compiled, response: BulkResponse, io: PipelineIo, context: ExecContext): Promise<number> {
  const out = new SinkWriter(io.stdout, () => io.stdout.kind === 'fd' && io.stdout.fd === 1 && context.session.stdoutClosed, answerRenderer(io.stdout, context));
  let status = 0;
  // The first failure is the one a user would have seen stage by stage; its dependants were skipped.
  for (const operation of compiled.operations) {
    const result = response.results[operation.id];
    if (result?.status === 'error' && result.error) {
      context.reporter.error(`aish: ${result.ai}: ${result.error.message}`);
      status = compiled.fanout ? 1 : exitStatusFor(result.error.code);
      if (!compiled.fanout) break;
    }
  }
  try {
    for (const { id, label } of compiled.output) {
      const answer = response.results[id]?.status === 'success' ? (response.results[id]!.response ?? '') : '';
      if (label !== undefined) {
        await out.flush();
        await out.write(`── ${label} ──\n`);
      }
      await out.write(answer);
      // Whole lines: each fan-out answer, and the final answer on a terminal or in a file.
      if (answer !== '' && !answer.endsWith('\n') && (label !== undefined || out.final)) await out.write('\n');
    }
  } catch (error) {
    if (!(error instanceof ReaderGone)) throw error;
  } finally {
    await out.end();
  }
  return status;
}
