/**
 * What `--dry-run` says an AI stage will cost: its input tokens (bytes ÷ 4,
 * the specialist's system prompt included, as a budget estimates them) and
 * their price, when the input is known before anything runs (the instruction,
 * a here-string or here-document, a `< file`); `depends on input` otherwise.
 * Answers are not counted, except up to `--max-tokens` for the top of the range.
 */
import { statSync } from 'node:fs';
import { literalText, parseAiArgs, type StepPlan } from '../plan/index.js';
import type { SpecialistInfo } from '../protocol/index.js';
import type { ExecContext } from './context.js';
import { modelOf, wordText } from './explain.js';

/** One stage's estimate, or why there is none. */
export type StageEstimate =
  | { known: true; model: string; tokens_in: number; cost_usd: number | null; max_cost_usd: number | null }
  | { known: false; reason: 'depends on input' };

/** A run's range: from the known inputs' cost up to (when every stage is bounded) the most it can cost. */
export interface RunEstimate {
  from_usd: number;
  to_usd: number | null;
  /** Stages whose input is only known when they run. */
  depends: number;
  /** Models with no known price. */
  unpriced: string[];
}

/** The estimate of an AI stage (`index` in its pipeline); undefined for other stages. */
export async function estimateStage(step: StepPlan, index: number, specialists: Map<string, SpecialistInfo>, context: ExecContext): Promise<StageEstimate | undefined> {
  if (step.kind !== 'ai') return undefined;
  const parsed = parseAiArgs(step.args.map(wordText));
  if (!parsed.ok) return undefined;
  const inputBytes = index === 0 && !parsed.options.each ? knownInputBytes(step, context) : undefined;
  if (inputBytes === undefined) return { known: false, reason: 'depends on input' };
  const model = modelOf(step.specialist, step.args, specialists);
  const system = specialists.get(step.specialist)?.system_prompt ?? '';
  const { instruction } = parsed;
  const separator = instruction !== '' && inputBytes > 0 ? 2 : 0;
  const tokens = Math.ceil((Buffer.byteLength(system) + Buffer.byteLength(instruction) + separator + inputBytes) / 4);
  const price = await context.session.priceOf?.(model);
  const cost = price ? round((tokens * price.input) / 1_000_000) : null;
  const maxTokens = parsed.options.maxTokens;
  const most = price && maxTokens !== undefined ? round((tokens * price.input + maxTokens * price.output) / 1_000_000) : price && price.output === 0 ? cost : null;
  return { known: true, model, tokens_in: tokens, cost_usd: cost, max_cost_usd: most };
}

/** Bytes of a first stage's input when known now: none (a terminal), a literal here-string or here-document, a `< file`. */
function knownInputBytes(step: StepPlan, context: ExecContext): number | undefined {
  let bytes: number | undefined = context.stdin.isTTY ? 0 : undefined;
  for (const redirect of step.redirects) {
    if (redirect.kind === 'here-string' || redirect.kind === 'here-doc') {
      const text = literalText(redirect.kind === 'here-string' ? redirect.word : redirect.body);
      bytes = text === undefined ? undefined : Buffer.byteLength(text);
    } else if (redirect.kind === 'file-redirect' && redirect.operator === '<') {
      const file = literalText(redirect.target);
      bytes = file === undefined ? undefined : fileSize(file);
    }
  }
  return bytes;
}

function fileSize(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

/** Adds a stage's estimate to the run's. */
export function addToRun(run: RunEstimate, stage: StageEstimate): void {
  if (!stage.known) {
    run.depends++;
    run.to_usd = null;
    return;
  }
  if (stage.cost_usd === null) {
    if (!run.unpriced.includes(stage.model)) run.unpriced.push(stage.model);
    run.to_usd = null;
    return;
  }
  run.from_usd = round(run.from_usd + stage.cost_usd);
  run.to_usd = run.to_usd === null || stage.max_cost_usd === null ? null : round(run.to_usd + stage.max_cost_usd);
}

export function emptyRunEstimate(): RunEstimate {
  return { from_usd: 0, to_usd: 0, depends: 0, unpriced: [] };
}

/** `~35 tokens in, $0.0001` / `depends on input` / `~35 tokens in, cost unknown (no price for openai/x)`. */
export function stageEstimateText(estimate: StageEstimate): string {
  if (!estimate.known) return 'estimate: depends on input';
  const tokens = `~${estimate.tokens_in.toLocaleString('en')} tokens in`;
  if (estimate.cost_usd === null) return `estimate: ${tokens}, cost unknown (no price for ${estimate.model}; add it under prices: in config.yaml)`;
  const most = estimate.max_cost_usd === estimate.cost_usd ? '' : estimate.max_cost_usd === null ? ' for the input, plus the answer' : `, at most ${dollars(estimate.max_cost_usd)} with the answer`;
  return `estimate: ${tokens}, ${dollars(estimate.cost_usd)}${most}`;
}

/** The run's range, or undefined when it has no AI stage. */
export function runEstimateText(run: RunEstimate, stages: number): string | undefined {
  if (stages === 0) return undefined;
  const parts = [run.to_usd === null ? `at least ${dollars(run.from_usd)}` : run.to_usd === run.from_usd ? dollars(run.from_usd) : `${dollars(run.from_usd)} to ${dollars(run.to_usd)}`];
  if (run.depends > 0) parts.push(`${run.depends} AI stage${run.depends === 1 ? '' : 's'} depend${run.depends === 1 ? 's' : ''} on input`);
  if (run.unpriced.length > 0) parts.push(`unknown price: ${run.unpriced.join(', ')}`);
  return `estimated cost of the run: ${parts.join('; ')}`;
}

function dollars(value: number): string {
  return value === 0 ? '$0' : `$${value.toFixed(value < 0.01 ? 6 : 4)}`;
}

function round(value: number): number {
  return Number(value.toPrecision(12));
}
