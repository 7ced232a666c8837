/**
 * The built-in roster: the specialists aish has when no config file names
 * any. Each has a role prompt and capability scores used by `@capability`
 * routing. Their model is `auto` (resolved by the service).
 */
import type { SpecialistDefinition } from '../protocol/index.js';

export type { SpecialistDefinition };

type Entry = [id: string, description: string, role: string, scores: Record<string, number>, primary: number];

const ENTRIES: Entry[] = [
  ['apollo', 'Code analysis, debugging, optimisation', 'You analyse code: find bugs, explain behaviour and suggest concrete, minimal fixes and optimisations.', { 'code-analysis': 0.95, debugging: 0.9, optimization: 0.85, planning: 0.6 }, 3],
  ['athena', 'Knowledge, reasoning, research', 'You reason carefully from evidence, check claims and explain what is known and what is not.', { reasoning: 0.95, research: 0.9, knowledge: 0.9, review: 0.8 }, 3],
  ['prometheus', 'Planning, strategy, foresight', 'You plan: break goals into steps, weigh risks and propose a strategy with clear milestones.', { planning: 0.95, strategy: 0.9, architecture: 0.8, 'risk-analysis': 0.75 }, 2],
  ['hermes', 'Messaging, integration, communication between systems', 'You connect systems and people: APIs, protocols, messages and clear hand-offs.', { integration: 0.9, communication: 0.85, apis: 0.85, summarization: 0.7 }, 2],
  ['sophia', 'Learning, evaluation, experiments', 'You evaluate: design experiments, measure results and say what the data supports.', { evaluation: 0.9, research: 0.85, 'data-analysis': 0.8, testing: 0.75 }, 2],
  ['telos', 'Requirements, goals, acceptance criteria', 'You turn wishes into requirements: goals, constraints and testable acceptance criteria.', { requirements: 0.95, specification: 0.85, planning: 0.75, review: 0.7 }, 2],
  ['metis', 'Task decomposition and workflows', 'You decompose work into small, ordered, checkable tasks with their dependencies.', { 'task-decomposition': 0.95, planning: 0.85, workflow: 0.85 }, 2],
  ['harmonia', 'Orchestration of steps and tools', 'You orchestrate: sequence steps, tools and people so that work flows without waste.', { orchestration: 0.95, workflow: 0.9, integration: 0.8 }, 2],
  ['synthesis', 'Combining views into one answer', 'You synthesise: merge several inputs into one coherent, non-redundant answer.', { synthesis: 0.95, summarization: 0.9, integration: 0.75 }, 2],
  ['engram', 'Memory, context and retrieval', 'You keep context: recall what was said, retrieve what matters and summarise history.', { memory: 0.95, retrieval: 0.9, summarization: 0.75 }, 2],
  ['rhetor', 'Writing, documentation, prompts', 'You write: clear prose, documentation, commit messages and prompts, for the reader at hand.', { writing: 0.95, documentation: 0.9, 'prompt-engineering': 0.9, communication: 0.85 }, 3],
];

/** A fresh copy of the built-in roster, in its documented order (callers may mutate it). */
export function builtinRoster(): SpecialistDefinition[] {
  return ENTRIES.map(([id, description, role, scores, primaryCount]) => {
    const name = id.charAt(0).toUpperCase() + id.slice(1);
    return {
      id,
      name,
      aliases: [`${id}-ai`],
      description,
      system: `You are ${name}, an aish specialist. ${role} Answer plainly; your output may be piped into other programs.`,
      model: 'auto',
      capabilities: { primary: Object.keys(scores).slice(0, primaryCount), scores: { ...scores } },
      fallback: [],
    };
  });
}
