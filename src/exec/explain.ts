/**
 * `aish --dry-run -c LINE` and `explain LINE` in the REPL: the resolved plan
 * as text — each stage, which specialist (and for `@capability`, why), which
 * model, what runs in parallel and what waits for what. Nothing is run and
 * no message is sent (routing asks the service's discovery only).
 */
import { literalText, parseAiArgs, printWord, type AndOr, type Compound, type PipelinePlan, type Redirect, type Script, type StepPlan, type Word } from '../plan/index.js';
import { DEFAULT_ROUTE_THRESHOLD, toAishError, type SpecialistInfo } from '../protocol/index.js';
import type { ExecContext } from './context.js';
import { planFor } from './run.js';
import { schemaNote } from './stage-schema.js';
import { stepLabel } from '../plan/index.js';
import { addToRun, emptyRunEstimate, estimateStage, runEstimateText, stageEstimateText, type RunEstimate } from './cost-estimate.js';

/** The plan as text, and the status a run would start with: 3 when a name does not resolve. */
export async function explainScript(script: Script, context: ExecContext): Promise<{ output: string; status: number }> {
  const specialists = new Map((await context.specialists.list()).map((info) => [info.id, info]));
  const lines: string[] = [];
  let status = 0;
  const run: Costing = { estimate: emptyRunEstimate(), stages: 0 };
  for (const list of script.lists) {
    for (const item of list.items) {
      status = (await explainAndOr(item.body, item.background, specialists, context, lines, '', run)) || status;
    }
  }
  const total = runEstimateText(run.estimate, run.stages);
  if (total) lines.push(total);
  return { output: lines.join('\n') + '\n', status };
}

/** The run's cost estimate as the plan is explained (the top-level pipelines' AI stages). */
interface Costing {
  estimate: RunEstimate;
  stages: number;
}

async function explainAndOr(andOr: AndOr, background: boolean, specialists: Map<string, SpecialistInfo>, context: ExecContext, lines: string[], indent = '', run?: Costing): Promise<number> {
  let status = 0;
  const links: { when: string; pipeline: AndOr['first'] }[] = [{ when: background ? 'in the background' : '', pipeline: andOr.first }];
  for (const link of andOr.rest) links.push({ when: link.operator === '&&' ? 'then, if that succeeded' : 'then, if that failed', pipeline: link.pipeline });
  for (const { when, pipeline } of links) {
    const planned = await planFor(pipeline, context);
    if (!planned.ok) {
      lines.push(`${indent}${when ? when + ': ' : ''}error: ${planned.message} (exit status ${planned.status})`);
      status = planned.status;
      continue;
    }
    lines.push(`${indent}${when ? when + ': ' : ''}pipeline: ${planned.plan.text}`);
    // A name inside a compound command that does not resolve counts as one at the top does.
    status = (await explainPipeline(planned.plan, specialists, context, lines, indent + '  ', run)) || status;
  }
  return status;
}

/** A stage that needs all of its input before it starts (a model needs its whole prompt); the others stream. */
export function readsWhole(step: StepPlan): boolean {
  return step.kind === 'ai' || step.kind === 'route' || step.kind === 'fanout';
}

async function explainPipeline(plan: PipelinePlan, specialists: Map<string, SpecialistInfo>, context: ExecContext, lines: string[], indent: string, run?: Costing): Promise<number> {
  let status = 0;
  for (const [index, step] of plan.stages.entries()) {
    const input = index === 0 ? '' : readsWhole(step) ? `; waits for all of stage ${index}` : `; streams from stage ${index}`;
    lines.push(`${indent}${index + 1}. ${await describe(step, specialists, context, plan.stages.length > 1)}${redirects(step)}${input}${schemaNote(step, stepWords(step))}`);
    const estimate = await estimateStage(step, index, specialists, context);
    if (estimate) {
      lines.push(`${indent}   ${stageEstimateText(estimate)}`);
      if (run) {
        addToRun(run.estimate, estimate);
        run.stages++;
      }
    }
    if (step.kind === 'fanout') {
      lines.push(`${indent}   ${step.branches.length} branches run in parallel, answers in this order:`);
      for (const [number, branch] of step.branches.entries()) {
        const letter = `${indent}     ${String.fromCharCode(97 + (number % 26))}) `;
        const only = branch.pipeline.stages.length === 1 ? branch.pipeline.stages[0] : undefined;
        if (only && only.kind !== 'fanout' && only.kind !== 'group') {
          lines.push(`${letter}${await describe(only, specialists, context)}${redirects(only)}${schemaNote(only, stepWords(only))}`);
        } else {
          lines.push(`${letter}${branch.pipeline.text}`);
          await explainPipeline(branch.pipeline, specialists, context, lines, `${indent}        `);
        }
      }
    } else if (step.kind === 'group') {
      await explainPipeline(step.pipeline, specialists, context, lines, `${indent}   `);
    } else if (step.kind === 'compound') {
      for (const part of compoundParts(step.compound)) {
        lines.push(`${indent}   ${part.role}:`);
        for (const list of part.script.lists) {
          for (const item of list.items) status = (await explainAndOr(item.body, item.background, specialists, context, lines, `${indent}     `)) || status;
        }
      }
    }
  }
  return status;
}

/** `inPipeline`: the step is one stage of several, so a compound command runs apart from the shell. */
async function describe(step: StepPlan, specialists: Map<string, SpecialistInfo>, context: ExecContext, inPipeline = false): Promise<string> {
  switch (step.kind) {
    case 'builtin':
      return `${step.name}: builtin${words(step.args)}`;
    case 'unix':
      return `${step.program}: Unix command (${step.path})${words(step.args)}`;
    case 'ai': {
      const how = step.resolvedBy === 'id' ? '' : ` ('${step.written}' by ${step.resolvedBy})`;
      return `${step.specialist}: specialist${how}, model ${modelOf(step.specialist, step.args, specialists)}${words(step.args)}`;
    }
    case 'route': {
      const parsed = parseAiArgs(step.args.map(wordText));
      const threshold = parsed.ok ? (parsed.options.threshold ?? DEFAULT_ROUTE_THRESHOLD) : DEFAULT_ROUTE_THRESHOLD;
      try {
        const best = await context.specialists.best(step.capability, threshold);
        const others = best.alternatives.slice(0, 3).map((match) => `${match.id} ${match.score}`);
        const why = `${step.capability} ${best.best_match.score}${best.best_match.is_primary ? ', primary' : ''}${others.length ? `; next: ${others.join(', ')}` : ''}`;
        return `@${step.capability} → ${best.best_match.id} (${why}), model ${modelOf(best.best_match.id, step.args, specialists)}${words(step.args)}`;
      } catch (error) {
        return `@${step.capability}: ${toAishError(error).message}`;
      }
    }
    case 'fanout':
      return `fan-out${words(step.args)}`;
    case 'group':
      return `( ${step.pipeline.text} ) as one stage`;
    case 'compound':
      return `${stepLabel(step)}: ${step.compound.kind === 'brace' ? 'brace group' : 'compound command'}, ${inPipeline ? 'runs apart (what it sets is not seen after it)' : 'run in the shell'}${compoundWords(step.compound)}`;
    case 'dynamic':
      return `${printWord(step.name)}: a command named by $( … ), resolved when it runs${words(step.args)}`;
    case 'assign':
      if (step.assignments.length === 0) return 'nothing to run (the command name expands to no word)';
      return `assignment: ${step.assignments.map((assignment) => `${assignment.name}=${printWord(assignment.value)}`).join(' ')}`;
  }
}

/** The parts of a compound command in the order they run, each named for `--dry-run`. */
export function compoundParts(compound: Compound): { role: string; script: Script }[] {
  switch (compound.kind) {
    case 'if':
      return [
        ...compound.branches.flatMap((branch, index) => [
          { role: index === 0 ? 'if' : 'elif', script: branch.condition },
          { role: 'then', script: branch.body },
        ]),
        ...(compound.otherwise ? [{ role: 'else', script: compound.otherwise }] : []),
      ];
    case 'while':
      return [
        { role: compound.until ? 'until' : 'while', script: compound.condition },
        { role: 'do', script: compound.body },
      ];
    case 'for':
      return [{ role: 'do', script: compound.body }];
    case 'brace':
      return [{ role: 'in it', script: compound.body }];
  }
}

function compoundWords(compound: Compound): string {
  if (compound.kind !== 'for') return '';
  const over = compound.words ? compound.words.map(printWord).join(' ') : '"$@" (the script\'s arguments)';
  return ` — ${compound.variable} in ${over}`;
}

export function modelOf(id: string, args: Word[], specialists: Map<string, SpecialistInfo>): string {
  const parsed = parseAiArgs(args.map(wordText));
  return (parsed.ok && parsed.options.model) || specialists.get(id)?.model || 'unknown';
}

/** A step's words as written (for the schema a dry run shows). */
function stepWords(step: StepPlan): string[] {
  return 'args' in step ? step.args.map(wordText) : [];
}

function words(args: Word[]): string {
  return args.length === 0 ? '' : ` — ${args.map(wordText).join(' ')}`;
}

function redirects(step: StepPlan): string {
  const shown = redirectTexts(step);
  return shown.length ? ` [${shown.join(', ')}]` : '';
}

/** Each redirect of a step as written (`> out.txt`, `<< here-document (EOF)`). */
export function redirectTexts(step: StepPlan): string[] {
  return step.redirects.map(redirectText);
}

/** One redirect as written; a here-document shows its delimiter, not its text. */
export function redirectText(redirect: Redirect): string {
  switch (redirect.kind) {
    case 'file-redirect':
      return `${redirect.operator} ${printWord(redirect.target)}`;
    case 'dup-redirect':
      return redirect.operator;
    case 'here-string':
      return `<< ${printWord(redirect.word)}`;
    case 'here-doc':
      return `<< here-document (${redirect.delimiter})`;
  }
}

/** A word as its text when it is plain, else as written. */
export function wordText(word: Word): string {
  return literalText(word) ?? printWord(word);
}
