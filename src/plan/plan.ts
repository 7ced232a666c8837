/**
 * The plan: a pipeline lowered into steps, with every name already resolved.
 * Plain data (JSON-serialisable); words stay as syntax so the executor can
 * expand `$VAR` and `$(…)` when the step runs, never re-parsing strings.
 */
import type { Assignment, Compound, Redirect, Span, Word } from '../syntax/index.js';
import { printWord } from '../syntax/index.js';

/** Syntax types the executor needs to run a plan (it never parses text itself). */
export type { AndOr, Assignment, Command, Compound, List, ListItem, Pipeline, Redirect, Script, Span, Word, WordPart } from '../syntax/index.js';

/** A pipeline: stages whose stdout feeds the next stage's stdin. */
export interface PipelinePlan {
  kind: 'pipeline';
  /** `! pipeline`: its status is negated. */
  negated?: true;
  stages: StepPlan[];
  /** The pipeline as canonical text (labels, dry runs, messages). */
  text: string;
  span: Span;
}

export type StepPlan = BuiltinStep | AiStep | UnixStep | FanoutStep | RouteStep | GroupStep | CompoundStep | AssignStep | DynamicStep;

interface StepBase {
  /** Redirects in the order written; applied after the pipe, as in sh. */
  redirects: Redirect[];
  /** `NAME=value` before a command: in that command's environment only. */
  assignments?: Assignment[];
  span: Span;
}

/**
 * `if`, `while`, `until` or `for` as a stage. Its inner pipelines are planned
 * when each of them runs, as every pipeline is (names resolve at that moment).
 */
export interface CompoundStep extends StepBase {
  kind: 'compound';
  compound: Compound;
  /** The compound command as canonical text. */
  text: string;
}

/** `NAME=value …` with no command: sets shell variables. */
export interface AssignStep extends StepBase {
  kind: 'assign';
  assignments: Assignment[];
}

/**
 * A command whose name comes from `$( … )`: what it names is known only once
 * the substitution has run, when the stage starts; it is resolved then, as
 * any name is. A name that expands to no word leaves the next word as the
 * name; with none left nothing runs and the status is the substitution's.
 */
export interface DynamicStep extends StepBase {
  kind: 'dynamic';
  name: Word;
  args: Word[];
  forced?: 'command' | 'bang';
}

/** A builtin run inside aish (`echo`, `cd`, `set` …). */
export interface BuiltinStep extends StepBase {
  kind: 'builtin';
  name: string;
  args: Word[];
}

/** A specialist: instruction words and flags in `args`. */
export interface AiStep extends StepBase {
  kind: 'ai';
  specialist: string;
  /** How the written name was resolved: exact id, registered alias, or unique prefix. */
  resolvedBy: 'id' | 'alias' | 'prefix';
  written: string;
  /** Set when the written name is also a command on PATH: where that command is (the user is told once). */
  shadows?: string;
  args: Word[];
}

/** A Unix command run as a child process. */
export interface UnixStep extends StepBase {
  kind: 'unix';
  /** argv[0] as written. */
  program: string;
  /** Where it was found on PATH (or as given, with a `/`). */
  path: string;
  args: Word[];
}

/** Parallel branches fed the same input; output headed and in written order. */
export interface FanoutStep extends StepBase {
  kind: 'fanout';
  branches: BranchPlan[];
  /** Flags for the fan-out itself (`--json`, `--threshold`), already given to each branch too. */
  args: Word[];
}

export interface BranchPlan {
  /** The header label: specialist id, `@cap`, or the printed pipeline. */
  label: string;
  pipeline: PipelinePlan;
}

/** `@capability`: the specialist is chosen by the service when the step runs. */
export interface RouteStep extends StepBase {
  kind: 'route';
  capability: string;
  args: Word[];
}

/** `( pipeline )` as one stage. */
export interface GroupStep extends StepBase {
  kind: 'group';
  pipeline: PipelinePlan;
}

/** How a step is named to the user: fan-out headers, errors, dry runs. */
export function stepLabel(step: StepPlan): string {
  switch (step.kind) {
    case 'ai':
      return step.specialist;
    case 'route':
      return '@' + step.capability;
    case 'unix':
      return step.program;
    case 'builtin':
      return step.name;
    case 'group':
      return step.pipeline.text;
    case 'fanout':
      return step.branches.map((branch) => branch.label).join(',');
    case 'compound':
      if (step.compound.kind === 'brace') return '{ }';
      return step.compound.kind === 'while' && step.compound.until ? 'until' : step.compound.kind;
    case 'assign':
      return step.assignments.length === 0 ? '(nothing to run)' : step.assignments.map((assignment) => assignment.name).join(' ') + ' (assignment)';
    case 'dynamic':
      return printWord(step.name);
  }
}
