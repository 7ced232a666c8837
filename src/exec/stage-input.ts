/**
 * The input an AI stage or a fan-out sends, read whole but checked before
 * anything goes to a model: at most the input limit (`--max-input`,
 * `limits.max_input`, 4 MiB by default), and no binary data (NUL bytes)
 * unless `--binary`. An endless `yes |` stops at the limit instead of
 * filling memory, and a stray image is not sent to a paid API.
 */
import type { ExecContext } from './context.js';
import { InputOverLimit, readSource, type Source } from './streams.js';

/** The input limit when neither a flag nor the config sets one (bytes). */
export const DEFAULT_MAX_INPUT = 4 * 1024 * 1024;

/**
 * A stage refused its input; the message (without `aish: `) says why and what
 * to do. The pipeline it ran in fails with status 1: the stages after it saw
 * no answer, which is not the same as an empty one.
 */
export class InputRefused extends Error {
  override readonly name = 'InputRefused';
}

/** A stage's own `--max-input BYTES` (0 = no limit) and `--binary`. */
export interface InputRules {
  maxInput?: number;
  binary?: boolean;
}

export async function readStageInput(source: Source, context: ExecContext, stage: string, rules: InputRules): Promise<string | undefined> {
  const limit = rules.maxInput ?? (await context.session.maxInputBytes?.()) ?? DEFAULT_MAX_INPUT;
  let input: string | undefined;
  try {
    input = await readSource(source, context.stdin, limit === 0 ? Infinity : limit);
  } catch (error) {
    if (!(error instanceof InputOverLimit)) throw error;
    throw new InputRefused(overLimitMessage(stage, limit));
  }
  const refusal = input === undefined ? undefined : binaryRefusal(input, stage, rules);
  if (refusal) throw new InputRefused(refusal);
  return input;
}

/** Why input over `limit` bytes was not sent (without `aish: `); `aish chat` says the same of a message. */
export function overLimitMessage(stage: string, limit: number): string {
  return `${stage}: the input is larger than the ${bytesText(limit)} limit, so nothing was sent; ` +
    `raise it with --max-input BYTES or limits.max_input in config.yaml (0 = no limit)`;
}

/** Why `text` is not sent because it looks binary, unless `--binary`; undefined when it may go. */
export function binaryRefusal(text: string, stage: string, rules: Pick<InputRules, 'binary'>): string | undefined {
  if (rules.binary || !text.includes('\0')) return undefined;
  return `${stage}: the input looks binary (it holds NUL bytes), so nothing was sent; add --binary to send it anyway`;
}

/** `4 MiB`, `1 KiB`, or `1000-byte`. */
function bytesText(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes}-byte`;
}
