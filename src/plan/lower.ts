/**
 * Lowers a parsed pipeline into a `PipelinePlan`, resolving every stage's
 * name first. Called just before the pipeline runs (docs/language.md "Stages"), so a
 * later `alias` or `cd` is seen; a name that fails to resolve means no stage
 * of the pipeline starts.
 */
import type { Diagnostic } from '../diag/diagnostic.js';
import type { Command, Compound, Fanout, Group, Pipeline, Route, Span, Stage, Word } from '../syntax/index.js';
import { literalText, printPipeline, printWord } from '../syntax/index.js';
import { stepLabel, type AiStep, type BranchPlan, type FanoutStep, type PipelinePlan, type StepPlan } from './plan.js';
import { findSpecialistByName, findSpecialistByPrefix, suggestNames, type BuiltinKind, type SpecialistDirectory } from './resolve.js';

export interface PlanContext {
  /** The builtins (the executor's table): resolved before anything else. */
  builtins: ReadonlyMap<string, BuiltinKind>;
  directory: SpecialistDirectory;
  /** User aliases: name → the parsed pipeline it stands for. */
  aliases: ReadonlyMap<string, Pipeline>;
  /** Expands a command name (`$VAR` allowed); undefined when it holds `$(…)`. */
  expandName(word: Word): string | undefined;
  findExecutable(name: string): string | undefined;
}

export type PlanResult = { ok: true; plan: PipelinePlan } | { ok: false; diagnostic: Diagnostic };

/**
 * The text of a pipeline, or of a compound command without its redirects, as
 * the printer writes it. A syntax tree is not changed once parsed, so the text
 * is printed once per node: a loop plans its body again every round.
 */
const printed = new WeakMap<Pipeline | Compound, string>();

function printedText(node: Pipeline | Compound): string {
  let text = printed.get(node);
  if (text === undefined) {
    text = node.kind === 'pipeline' ? printPipeline(node) : printPipeline({ kind: 'pipeline', stages: [{ ...node, redirects: [] }], span: node.span });
    printed.set(node, text);
  }
  return text;
}

class PlanFailure {
  constructor(readonly diagnostic: Diagnostic) {}
}

export function planPipeline(pipeline: Pipeline, context: PlanContext): PlanResult {
  try {
    return { ok: true, plan: new Lowering(context).pipeline(pipeline, true) };
  } catch (error) {
    if (error instanceof PlanFailure) return { ok: false, diagnostic: error.diagnostic };
    throw error;
  }
}

class Lowering {
  /** Set while lowering an alias body: its stages point at the alias's use. */
  private spanOverride: Span | undefined;

  constructor(private readonly context: PlanContext) {}

  pipeline(pipeline: Pipeline, allowAliases: boolean): PipelinePlan {
    return {
      kind: 'pipeline',
      ...(pipeline.negated && { negated: true }),
      stages: pipeline.stages.map((stage) => this.stage(stage, allowAliases)),
      text: printedText(pipeline),
      span: this.spanOf(pipeline.span),
    };
  }

  private spanOf(span: Span): Span {
    return this.spanOverride ?? span;
  }

  private stage(stage: Stage, allowAliases: boolean): StepPlan {
    switch (stage.kind) {
      case 'command':
        return this.command(stage, allowAliases);
      case 'route':
        return this.route(stage);
      case 'group':
        return this.group(stage, allowAliases);
      case 'fanout':
        return this.fanout(stage, allowAliases);
      case 'if':
      case 'while':
      case 'for':
      case 'brace':
        return { kind: 'compound', compound: stage, text: printedText(stage), redirects: stage.redirects, span: this.spanOf(stage.span) };
      case 'assignments':
        return { kind: 'assign', assignments: stage.assignments, redirects: stage.redirects, span: this.spanOf(stage.span) };
    }
  }

  private route(route: Route): StepPlan {
    return { kind: 'route', capability: route.capability, args: route.args, redirects: route.redirects, span: this.spanOf(route.span) };
  }

  private group(group: Group, allowAliases: boolean): StepPlan {
    return { kind: 'group', pipeline: this.pipeline(group.pipeline, allowAliases), redirects: group.redirects, span: this.spanOf(group.span) };
  }

  private fanout(fanout: Fanout, allowAliases: boolean): FanoutStep {
    // `--json` shapes the fan-out's own output; every other shared word goes to each branch.
    const shared = fanout.args.filter((word) => literalText(word) !== '--json');
    const branches = fanout.branches.map((branch): BranchPlan => {
      if (branch.kind === 'group') {
        return { label: printedText(branch.pipeline), pipeline: this.pipeline(branch.pipeline, allowAliases) };
      }
      const withShared = { ...branch, args: [...branch.args, ...shared] };
      const step = this.stage(withShared, allowAliases);
      return { label: stepLabel(step), pipeline: this.single(step, withShared.span) };
    });
    return { kind: 'fanout', branches, args: fanout.args, redirects: fanout.redirects, span: this.spanOf(fanout.span) };
  }

  private single(step: StepPlan, span: Span): PipelinePlan {
    return { kind: 'pipeline', stages: [step], text: stepLabel(step), span: this.spanOf(span) };
  }

  private command(command: Command, allowAliases: boolean): StepPlan {
    const name = this.context.expandName(command.name);
    const base = { args: command.args, redirects: command.redirects, span: this.spanOf(command.span), ...(command.assignments && { assignments: command.assignments }) };
    if (name === undefined) return { kind: 'dynamic', name: command.name, ...(command.forced && { forced: command.forced }), ...base };
    if (name === '' && vanishes(command.name)) {
      // As in sh, a name that expands to no word leaves the next word as the name; with none, nothing runs.
      const [next, ...rest] = command.args;
      if (next) return this.command({ ...command, name: next, args: rest }, allowAliases);
      return { kind: 'assign', assignments: command.assignments ?? [], redirects: command.redirects, span: base.span };
    }
    if (command.forced) return this.unix(name, command, base);
    const builtin = this.context.builtins.get(name);
    if (builtin === 'fan-out-to-all') return this.noAssignments(command, `'${name}'`, this.teamChat(command));
    if (builtin === 'runs') return { kind: 'builtin', name, ...base };
    const alias = allowAliases ? this.context.aliases.get(name) : undefined;
    if (alias) return this.expandAlias(alias, command);
    const exact = findSpecialistByName(name, this.context.directory);
    if (exact) {
      const shadows = this.context.findExecutable(name);
      return this.noAssignments(command, `the specialist '${name}'`, { kind: 'ai', specialist: exact.id, resolvedBy: exact.resolvedBy, written: name, ...(shadows !== undefined && { shadows }), ...base } satisfies AiStep);
    }
    const path = this.context.findExecutable(name);
    if (path !== undefined) return { kind: 'unix', program: name, path, ...base };
    const match = findSpecialistByPrefix(name, this.context.directory);
    if (match.kind === 'found') return this.noAssignments(command, `the specialist '${name}'`, { kind: 'ai', specialist: match.id, resolvedBy: match.resolvedBy, written: name, ...base } satisfies AiStep);
    if (match.kind === 'ambiguous') {
      this.fail('plan/ambiguous', `'${name}' is ambiguous: it could be ${match.candidates.join(', ')}`, command.name.span);
    }
    return this.unix(name, command, base);
  }

  /**
   * `NAME=value` before a specialist would change nothing (a model has no
   * environment, and the stage's words are expanded before it, as in sh), yet
   * a user may expect it to (`OPENAI_API_KEY=… apollo`): refused, nothing sent.
   */
  private noAssignments(command: Command, what: string, step: StepPlan): StepPlan {
    const first = command.assignments?.[0];
    if (!first) return step;
    const written = `${first.name}=${printWord(first.value)}`;
    this.fail('plan/assignment-before-ai', `'${written}' before ${what} would change nothing (a model has no environment), so nothing was sent; say it in the instruction or use the stage's flags`, first.span);
  }

  private unix(name: string, command: Command, base: Pick<StepPlan, 'redirects' | 'span'> & { args: Word[] }): StepPlan {
    const path = this.context.findExecutable(name);
    if (path !== undefined) return { kind: 'unix', program: name, path, ...base };
    const known = command.forced
      ? []
      : [...this.context.directory.ids, ...this.context.directory.aliases.keys(), ...this.context.builtins.keys(), ...this.context.aliases.keys()];
    const suggestions = suggestNames(name, known);
    const hint = suggestions.length > 0 ? ` Did you mean: ${suggestions.join(', ')}?` : '';
    this.fail('plan/not-found', `'${name}' not found.${hint}`, command.name.span);
  }

  /** `team-chat "msg"`: a fan-out to every specialist, in roster order. */
  private teamChat(command: Command): FanoutStep {
    const span = this.spanOf(command.span);
    const shared = command.args.filter((word) => literalText(word) !== '--json');
    const branches = this.context.directory.ids.map((id): BranchPlan => {
      const step: AiStep = { kind: 'ai', specialist: id, resolvedBy: 'id', written: id, args: shared, redirects: [], span };
      return { label: id, pipeline: this.single(step, command.span) };
    });
    return { kind: 'fanout', branches, args: command.args, redirects: command.redirects, span };
  }

  /** `alias name='pipeline'`: the use's arguments go to the alias's last stage, expanded once. */
  private expandAlias(alias: Pipeline, command: Command): StepPlan {
    const stages = alias.stages.map((stage) => ({ ...stage }));
    // As if the alias's text were written in place: `X=1 name` gives X to its first command.
    const head = stages[0]!;
    if (command.assignments) {
      if (head.kind !== 'command') this.fail('plan/alias-assignments', `'NAME=value' may come before the alias '${this.context.expandName(command.name)}' only when it starts with a command`, command.span);
      stages[0] = { ...head, assignments: [...command.assignments, ...(head.assignments ?? [])] };
    }
    const last = stages[stages.length - 1]!;
    if (command.args.length > 0) {
      if (last.kind !== 'command' && last.kind !== 'route' && last.kind !== 'fanout') this.fail('plan/alias-args', `the alias '${this.context.expandName(command.name)}' ends in ( … ) or a compound command and takes no arguments`, command.span);
      last.args = [...last.args, ...command.args];
    }
    const outer = this.spanOverride;
    this.spanOverride = outer ?? command.span;
    try {
      if (stages.length === 1) {
        last.redirects = [...last.redirects, ...command.redirects];
        return this.stage(last, false);
      }
      const pipeline = this.pipeline({ ...alias, stages }, false);
      return { kind: 'group', pipeline, redirects: command.redirects, span: this.spanOf(command.span) };
    } finally {
      this.spanOverride = outer;
    }
  }

  private fail(code: string, message: string, span: Span): never {
    throw new PlanFailure({ code, message, span: this.spanOf(span) });
  }
}

/** True for a word made only of unquoted variables, which gives no word at all when they are empty. */
function vanishes(word: Word): boolean {
  return word.parts.length > 0 && word.parts.every((part) => part.kind === 'variable' && !part.quoted);
}
