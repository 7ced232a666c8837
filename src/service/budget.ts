/**
 * A call's spending cap (`max_cost`, what the client's `--max-cost` or
 * `budget:` leaves for it): a call whose input alone would pass it is not
 * started, a model without a known price is not called, and a streaming
 * answer is stopped the moment its estimated cost would pass it. Tokens are
 * estimated as bytes ÷ 4 until the provider reports them.
 */
import { AishError, type TokensUsed } from '../protocol/index.js';
import type { ModelRequest } from '../providers/index.js';

/** Dollars for token counts of a model; undefined when its price is unknown. */
export type CostOf = (model: string, tokens: TokensUsed) => number | undefined;

/** Tokens in text, when no provider has counted them. */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text) / 4);
}

export class CallBudget {
  private outputChars = 0;

  private constructor(
    private readonly cap: number,
    private readonly model: string,
    private readonly inputCost: number,
    private readonly costOf: CostOf,
  ) {}

  /** The budget of one call, or BUDGET_EXCEEDED (thrown, before anything starts) when it cannot start. */
  static open(cap: number, model: string, sent: ModelRequest, costOf: CostOf | undefined): CallBudget {
    const probe = costOf?.(model, { input: 0, output: 0 });
    if (probe === undefined || !costOf) {
      throw new AishError('BUDGET_EXCEEDED', `the model ${model} has no known price, so it is not called under a budget; add it under prices: in config.yaml`, {
        reason: 'unpriced',
        model,
      });
    }
    const inputText = (sent.system ?? '') + sent.messages.map((message) => message.content).join('');
    const inputCost = costOf(model, { input: estimateTokens(inputText), output: 0 }) ?? 0;
    if (inputCost > cap) {
      throw new AishError('BUDGET_EXCEEDED', `the input alone would cost about $${inputCost.toFixed(4)}, more than the $${cap.toFixed(4)} left`, {
        reason: 'input',
        estimate_usd: inputCost,
      });
    }
    return new CallBudget(cap, model, inputCost, costOf);
  }

  /** The estimated cost so far: the input, and the output that arrived. */
  get spent(): number {
    return this.inputCost + (this.costOf(this.model, { input: 0, output: Math.ceil(this.outputChars / 4) }) ?? 0);
  }

  /** Counts more output; true when the call must stop here (this text would pass the cap). */
  passedBy(text: string): boolean {
    this.outputChars += text.length;
    return this.spent > this.cap;
  }

  /** The error that ends a stopped answer. */
  stopped(): AishError {
    return new AishError('BUDGET_EXCEEDED', 'the budget was reached mid-answer; the answer is incomplete', { reason: 'stream', spent_usd: this.spent });
  }
}
