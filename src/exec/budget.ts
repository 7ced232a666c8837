/**
 * What a run may spend (`--max-cost`, `AISH_MAX_COST`, `budget.per_run`) and
 * what this user may spend per local day (`budget.per_day`, summed from the
 * exchange log). Each call is sent with what is left (`max_cost`): the
 * service does not start a call whose input alone would pass it and stops
 * an answer the moment it would. A run is an `aish -c` line, a script, or one
 * REPL line.
 */
import { AishError } from '../protocol/index.js';

/** Exit status when a budget is reached. */
export const BUDGET_STATUS = 7;

export interface BudgetLimits {
  perRun?: number;
  perDay?: number;
}

export class RunBudget {
  private spentThisRun = 0;
  private today: Promise<number> | undefined;

  private limitsRead: Promise<BudgetLimits> | undefined;

  constructor(
    /** The caps, read when the first call needs them (the config file may be read then). */
    private readonly readLimits: () => Promise<BudgetLimits>,
    /** Dollars spent since a time, from the exchange log. */
    private readonly spentSince: (since: number) => Promise<number>,
  ) {}

  private caps(): Promise<BudgetLimits> {
    this.limitsRead ??= this.readLimits();
    return this.limitsRead;
  }

  /** A new run (a REPL line): its own `per_run`; the day's spending is read again. */
  newRun(): void {
    this.spentThisRun = 0;
    this.today = undefined;
  }

  /** What the next call may spend, or undefined with no cap. */
  async left(): Promise<number | undefined> {
    const { perRun, perDay } = await this.caps();
    const caps: number[] = [];
    if (perRun !== undefined) caps.push(perRun - this.spentThisRun);
    if (perDay !== undefined) caps.push(perDay - (await this.spentToday()) - this.spentThisRun);
    return caps.length === 0 ? undefined : Math.max(0, Math.min(...caps));
  }

  /** A call ended having cost this much (an estimate for a stopped one). */
  spend(dollars: number): void {
    this.spentThisRun += dollars;
  }

  /**
   * What aish says when a budget stops a call (`phase`: before it started,
   * or mid-answer), naming the cap that was reached.
   */
  async reached(specialist: string, phase: 'before' | 'mid'): Promise<string> {
    const { perRun, perDay } = await this.caps();
    const today = perDay === undefined ? 0 : await this.spentToday();
    const runLeft = perRun === undefined ? Infinity : perRun - this.spentThisRun;
    const dayLeft = perDay === undefined ? Infinity : perDay - today - this.spentThisRun;
    const what = phase === 'before' ? `stopped before ${specialist}` : `stopped ${specialist} mid-answer; the answer is incomplete`;
    if (dayLeft < runLeft) return `aish: budget: ${dollars(perDay!)} a day reached (${precise(today + this.spentThisRun)} spent today); ${what}`;
    return `aish: budget: ${dollars(perRun!)} reached (${precise(this.spentThisRun)} spent); ${what}`;
  }

  private spentToday(): Promise<number> {
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    this.today ??= this.spentSince(midnight.getTime()).catch(() => 0);
    return this.today;
  }
}

/** Whether an error is this run's budget (not a server's 402, which says its own words). */
export function isOwnBudgetStop(error: AishError): 'before' | 'mid' | 'unpriced' | undefined {
  if (error.code !== 'BUDGET_EXCEEDED') return undefined;
  const reason = error.details?.reason;
  return reason === 'input' || reason === 'left' ? 'before' : reason === 'stream' ? 'mid' : reason === 'unpriced' ? 'unpriced' : undefined;
}

/** Refuses a call when nothing is left, before anything is sent. */
export function nothingLeft(): AishError {
  return new AishError('BUDGET_EXCEEDED', 'the budget is spent', { reason: 'left' });
}

/** A cap as people wrote it: `$1.00`, `$0.05`, or `$0.0010` below a cent. */
function dollars(value: number): string {
  return `$${value.toFixed(Number.isInteger(Math.round(value * 1e6) / 1e4) ? 2 : 4)}`;
}

function precise(value: number): string {
  return `$${value.toFixed(4)}`;
}
