/**
 * The planner's golden cases: a fixed world (specialists, aliases, commands on
 * PATH) and a printer that shows a plan as text, one line per step.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_KINDS } from '../../src/exec/index.js';
import { redirectText } from '../../src/exec/explain.js';
import { planPipeline, printWord, type PlanContext, type PipelinePlan, type StepPlan } from '../../src/plan/index.js';
import { parse, type Pipeline, type Script } from '../../src/syntax/index.js';

export const PLAN_GOLDEN_DIR = join(import.meta.dirname, 'golden');

/** Commands "on PATH" in the golden world. */
const COMMANDS = ['cat', 'wc', 'grep', 'head', 'tee', 'sort', 'git'];

function aliasPipeline(text: string): Pipeline {
  const parsed = parse(text);
  if (!parsed.ok) throw new Error(parsed.diagnostic.message);
  return parsed.script.lists[0]!.items[0]!.body.first;
}

export const GOLDEN_WORLD: PlanContext = {
  builtins: BUILTIN_KINDS,
  directory: {
    ids: ['apollo', 'athena', 'athos', 'hermes', 'catalog', 'grep'],
    aliases: new Map([['apollo-ai', 'apollo']]),
  },
  aliases: new Map([
    ['review', aliasPipeline('apollo "review this"')],
    ['twice', aliasPipeline('apollo | athena')],
  ]),
  // `$TOOL` is apollo, any other variable is unset (empty); `$( … )` is known only when it runs.
  expandName: (word) => {
    let name = '';
    for (const part of word.parts) {
      if (part.kind === 'text') name += part.value;
      else if (part.kind === 'variable') name += part.name === 'TOOL' ? 'apollo' : '';
      else return undefined;
    }
    return name;
  },
  findExecutable: (name) => (COMMANDS.includes(name) ? `/usr/bin/${name}` : name.startsWith('/') ? name : undefined),
};

/** Every `<group>/NNN-name.aish` under the golden folder. */
export function planGoldenCases(): string[] {
  return readdirSync(PLAN_GOLDEN_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((folder) =>
      readdirSync(join(PLAN_GOLDEN_DIR, folder.name))
        .filter((name) => name.endsWith('.aish'))
        .map((name) => `${folder.name}/${name}`),
    )
    .sort();
}

/** Plans every pipeline of the source, in order, and prints each plan or its error. */
export function renderPlans(source: string): string {
  const parsed = parse(source);
  if (!parsed.ok) return `syntax error: ${parsed.diagnostic.message}\n`;
  return pipelinesOf(parsed.script)
    .map((pipeline) => {
      const planned = planPipeline(pipeline, GOLDEN_WORLD);
      if (!planned.ok) {
        const { code, message, span } = planned.diagnostic;
        return `error ${code} at ${span.start}-${span.end}: ${message}\n`;
      }
      return printPlan(planned.plan, '');
    })
    .join('');
}

function pipelinesOf(script: Script): Pipeline[] {
  return script.lists.flatMap((list) => list.items.flatMap((item) => [item.body.first, ...item.body.rest.map((link) => link.pipeline)]));
}

function printPlan(plan: PipelinePlan, indent: string): string {
  return `${indent}pipeline ${plan.span.start}-${plan.span.end}: ${plan.text}\n` + plan.stages.map((step, index) => printStep(step, `${indent}  ${index + 1}. `, `${indent}     `)).join('');
}

function printStep(step: StepPlan, lead: string, indent: string): string {
  const args = 'args' in step && step.args.length > 0 ? ` args: ${step.args.map(printWord).join(' ')}` : '';
  const redirects = step.redirects.length > 0 ? ` redirects: ${step.redirects.map(redirectText).join(' ')}` : '';
  const env = step.kind !== 'assign' && step.assignments?.length ? ` env: ${step.assignments.map((assignment) => `${assignment.name}=${printWord(assignment.value)}`).join(' ')}` : '';
  const tail = `${env}${args}${redirects}\n`;
  switch (step.kind) {
    case 'builtin':
      return `${lead}builtin ${step.name}${tail}`;
    case 'unix':
      return `${lead}unix ${step.program} (${step.path})${tail}`;
    case 'ai': {
      const how = step.resolvedBy === 'id' ? '' : ` (${step.resolvedBy} '${step.written}')`;
      const shadows = step.shadows ? ` hides ${step.shadows}` : '';
      return `${lead}ai ${step.specialist}${how}${shadows}${tail}`;
    }
    case 'route':
      return `${lead}route @${step.capability}${tail}`;
    case 'group':
      return `${lead}group${tail}${printPlan(step.pipeline, indent)}`;
    case 'fanout':
      return `${lead}fan-out${tail}` + step.branches.map((branch) => `${indent}branch ${branch.label}\n${printPlan(branch.pipeline, indent + '  ')}`).join('');    case 'compound':
      return `${lead}compound ${step.compound.kind}: ${step.text}${tail}`;
    case 'dynamic':
      return `${lead}named when it runs: ${printWord(step.name)}${tail}`;
    case 'assign':
      return `${lead}assign ${step.assignments.map((assignment) => `${assignment.name}=${printWord(assignment.value)}`).join(' ')}${tail}`;
  }
}

