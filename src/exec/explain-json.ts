/**
 * `aish --dry-run --json`: the same plan `--dry-run` prints, as one JSON
 * document for programs — every pipeline with when it runs, and every stage
 * with what it is, which specialist and model answer it, its words, its
 * redirects and how it reads its input. Nothing is run, no message is sent.
 */
import { parseAiArgs, printPipeline, type AndOr, type PipelinePlan, type Script, type StepPlan } from '../plan/index.js';
import { DEFAULT_ROUTE_THRESHOLD, toAishError, type SpecialistInfo } from '../protocol/index.js';
import type { ExecContext } from './context.js';
import { compoundParts, modelOf, readsWhole, redirectTexts, wordText } from './explain.js';
import { planFor } from './run.js';
import { explainedSchema } from './stage-schema.js';

/** The whole document: the status a run would start with, and each pipeline in order. */
export interface PlanDocument {
  status: number;
  pipelines: PipelineEntry[];
}

/** One pipeline of the script; `stages` when it planned, `error` when it did not. */
export interface PipelineEntry {
  text: string;
  /** `always`, or after `&&` / `||`: whether the previous pipeline had to succeed or fail. */
  when: 'always' | 'if-succeeded' | 'if-failed';
  background: boolean;
  stages?: StageEntry[];
  error?: { message: string; status: number };
}

/** What every stage has; the `kind` says which other fields there are. */
interface StageCommon {
  args: string[];
  redirects: string[];
  /** `first`: the pipeline's input; `streamed`: what the stage before writes, as it comes (Unix commands, builtins, loops); `whole`: all of it, once finished (AI stages). */
  input: 'first' | 'streamed' | 'whole';
  /** A typed stage (`--schema`): its JSON Schema and whether it is a list, or why the schema cannot be loaded. */
  schema?: { multi: boolean; schema?: Record<string, unknown>; error?: string };
}

export type StageEntry = StageCommon & StepFields;

/** What a stage is: the `kind` says which fields there are. */
type StepFields =
    | { kind: 'builtin'; name: string }
    | { kind: 'unix'; program: string; path: string }
    | { kind: 'ai'; specialist: string; written: string; resolved_by: 'id' | 'alias' | 'prefix'; model: string }
    | { kind: 'route'; capability: string; threshold: number; specialist: string | null; score: number | null; model: string | null; alternatives: { id: string; score: number }[]; error?: { code: string; message: string } }
    | { kind: 'fanout'; branches: { label: string; text: string; stages: StageEntry[] }[] }
    | { kind: 'group'; text: string; stages: StageEntry[] }
    | { kind: 'compound'; compound: 'if' | 'while' | 'until' | 'for' | 'brace'; text: string; variable?: string; words?: string[]; parts: { role: string; pipelines: PipelineEntry[] }[] }
    | { kind: 'assign'; names: string[] }
    | { kind: 'dynamic'; name: string };

export async function explainScriptJson(script: Script, context: ExecContext): Promise<{ output: string; status: number }> {
  const specialists = new Map((await context.specialists.list()).map((info) => [info.id, info]));
  const document: PlanDocument = { status: 0, pipelines: [] };
  for (const list of script.lists) {
    for (const item of list.items) {
      const status = await describeAndOr(item.body, item.background, specialists, context, document.pipelines);
      document.status = status || nestedErrorStatus(document.pipelines.slice(-1)) || document.status;
    }
  }
  return { output: planDocumentText(document), status: document.status };
}

export function planDocumentText(document: PlanDocument): string {
  return JSON.stringify(document, null, 2) + '\n';
}

async function describeAndOr(andOr: AndOr, background: boolean, specialists: Map<string, SpecialistInfo>, context: ExecContext, into: PipelineEntry[]): Promise<number> {
  let status = 0;
  const links: { when: PipelineEntry['when']; pipeline: AndOr['first'] }[] = [{ when: 'always', pipeline: andOr.first }];
  for (const link of andOr.rest) links.push({ when: link.operator === '&&' ? 'if-succeeded' : 'if-failed', pipeline: link.pipeline });
  for (const { when, pipeline } of links) {
    const planned = await planFor(pipeline, context);
    if (!planned.ok) {
      into.push({ text: printPipeline(pipeline), when, background, error: { message: planned.message, status: planned.status } });
      status = planned.status;
      continue;
    }
    into.push({ text: planned.plan.text, when, background, stages: await describeStages(planned.plan, specialists, context) });
  }
  return status;
}

async function describeStages(plan: PipelinePlan, specialists: Map<string, SpecialistInfo>, context: ExecContext): Promise<StageEntry[]> {
  const stages: StageEntry[] = [];
  for (const [index, step] of plan.stages.entries()) {
    const args = 'args' in step ? step.args.map(wordText) : [];
    const schema = explainedSchema(step, args);
    const common: StageCommon = {
      args,
      redirects: redirectTexts(step),
      input: index === 0 ? 'first' : readsWhole(step) ? 'whole' : 'streamed',
      ...(schema && { schema }),
    };
    stages.push({ ...(await describeStep(step, specialists, context)), ...common });
  }
  return stages;
}

async function describeStep(step: StepPlan, specialists: Map<string, SpecialistInfo>, context: ExecContext): Promise<StepFields> {
  switch (step.kind) {
    case 'builtin':
      return { kind: 'builtin', name: step.name };
    case 'unix':
      return { kind: 'unix', program: step.program, path: step.path };
    case 'ai':
      return { kind: 'ai', specialist: step.specialist, written: step.written, resolved_by: step.resolvedBy, model: modelOf(step.specialist, step.args, specialists) };
    case 'route':
      return describeRoute(step, specialists, context);
    case 'fanout': {
      const branches = [];
      for (const branch of step.branches) branches.push({ label: branch.label, text: branch.pipeline.text, stages: await describeStages(branch.pipeline, specialists, context) });
      return { kind: 'fanout', branches };
    }
    case 'group':
      return { kind: 'group', text: step.pipeline.text, stages: await describeStages(step.pipeline, specialists, context) };
    case 'compound': {
      const { compound } = step;
      const parts = [];
      for (const part of compoundParts(compound)) {
        const pipelines: PipelineEntry[] = [];
        for (const list of part.script.lists) for (const item of list.items) await describeAndOr(item.body, item.background, specialists, context, pipelines);
        parts.push({ role: part.role, pipelines });
      }
      const kind = compound.kind === 'while' && compound.until ? 'until' : compound.kind;
      const loopWords = compound.kind === 'for' ? { variable: compound.variable, ...(compound.words && { words: compound.words.map(wordText) }) } : {};
      return { kind: 'compound', compound: kind, text: step.text, ...loopWords, parts };
    }
    case 'assign':
      return { kind: 'assign', names: step.assignments.map((assignment) => assignment.name) };
    case 'dynamic':
      return { kind: 'dynamic', name: wordText(step.name) };
  }
}

/** Who `@capability` would pick now (the service's discovery), or why nobody. */
async function describeRoute(step: Extract<StepPlan, { kind: 'route' }>, specialists: Map<string, SpecialistInfo>, context: ExecContext): Promise<StepFields> {
  const parsed = parseAiArgs(step.args.map(wordText));
  const threshold = parsed.ok ? (parsed.options.threshold ?? DEFAULT_ROUTE_THRESHOLD) : DEFAULT_ROUTE_THRESHOLD;
  try {
    const best = await context.specialists.best(step.capability, threshold);
    const { id, score } = best.best_match;
    const alternatives = best.alternatives.map((match) => ({ id: match.id, score: match.score }));
    return { kind: 'route', capability: step.capability, threshold, specialist: id, score, model: modelOf(id, step.args, specialists), alternatives };
  } catch (error) {
    const failure = toAishError(error);
    return { kind: 'route', capability: step.capability, threshold, specialist: null, score: null, model: null, alternatives: [], error: { code: failure.code, message: failure.message } };
  }
}

/** The status of a name that does not resolve inside a compound command, as one at the top counts. */
function nestedErrorStatus(entries: PipelineEntry[]): number {
  for (const entry of entries) {
    if (entry.error) return entry.error.status;
    for (const stage of entry.stages ?? []) {
      if (stage.kind !== 'compound') continue;
      const status = nestedErrorStatus(stage.parts.flatMap((part) => part.pipelines));
      if (status) return status;
    }
  }
  return 0;
}
