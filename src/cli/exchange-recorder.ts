/**
 * The exchange log as the shell sees it (exec's `ExchangeLog` seam): each
 * finished AI exchange is priced and written to the local database by the
 * aish that showed the answer (embedded or `--server` alike), `--usage` lines
 * go to stderr, and the `history` builtin reads the same database.
 *
 * The store (native SQLite) is opened at most once per process, never at
 * start-up. A line that only asks an AI does not open it at all: its
 * exchanges go into a pending file the next reader of the log folds in
 * (store/pending-exchanges.ts), which spares it loading SQLite. A log that
 * cannot be written never fails a command: one warning per process, then
 * this process stops trying.
 */
import { costOf, type PriceTable } from '../config/prices.js';
import type { Exchange, ExchangeLog, HistoryIo } from '../exec/index.js';
import type { NewLoggedExchange, ExchangeLog as StoredLog } from '../store/index.js';
import { canWritePending, FOLD_AT_PENDING_FILES, writePendingExchanges } from '../store/pending-exchanges.js';
import { usageLines } from './usage-report.js';

/** What an {@link ExchangeRecorder} writes to and reads from. */
export interface RecorderOptions {
  /** The database file (`AISH_DB`, else `aish.db` in the data folder). */
  databaseFile: string;
  /** False for `--no-log` / `AISH_LOG=0`: nothing is written (usage and `history` still work). */
  logging: boolean;
  /** The config's `prices:` table, read when the first exchange ends. */
  prices: () => Promise<PriceTable>;
  /** Where the one warning goes. */
  warn: (text: string) => void;
  /** Where `--usage` lines go. */
  usage: (text: string) => void;
}

/** `AISH_LOG=0` (or `false`, `off`, `no`) turns the log off. */
export function loggingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.AISH_LOG?.trim().toLowerCase();
  return value === undefined || !['0', 'false', 'off', 'no'].includes(value);
}

/** The exchange log of one aish process: records, prices, `--usage` lines, `history` and `!N`. */
export class ExchangeRecorder implements ExchangeLog {
  private opened: Promise<StoredLog> | undefined;
  private priceTable: Promise<PriceTable> | undefined;
  /** Set after the first failed write: this process logs nothing more. */
  private broken = false;
  private readonly costs = new WeakMap<Exchange, number | undefined>();
  /** Exchanges waiting to be written together, and the callers waiting for them. */
  private pending: NewLoggedExchange[] = [];
  private written: (() => void)[] = [];

  constructor(private readonly options: RecorderOptions) {}

  async record(exchange: Exchange): Promise<void> {
    // A cached answer cost nothing.
    const cost = exchange.cached_from != null ? 0 : costOf(exchange.model, exchange.tokens_in, exchange.tokens_out, await this.prices());
    this.costs.set(exchange, cost);
    if (!this.options.logging || this.broken) return;
    // What ends in the same turn of the event loop (an --each run's records) is written in one commit.
    await new Promise<void>((resolve) => {
      const { tool_calls: calls, ...rest } = exchange;
      this.pending.push({ ...rest, cost_usd: cost ?? null, tool_calls: calls && calls.length > 0 ? JSON.stringify(calls) : null });
      this.written.push(resolve);
      if (this.pending.length === 1) setImmediate(() => void this.writePending());
    });
  }

  /** Writes the exchanges waiting, in one transaction; resolves their callers either way. */
  private async writePending(): Promise<void> {
    const exchanges = this.pending;
    const waiting = this.written;
    this.pending = [];
    this.written = [];
    try {
      if (!this.broken) await this.write(exchanges);
    } catch (error) {
      if (!this.broken) this.options.warn(`aish: warning: the exchange log was not written (${messageOf(error)}); this run's exchanges are not logged`);
      this.broken = true;
    }
    for (const resolve of waiting) resolve();
  }

  /** Writes exchanges as a pending file when that spares opening the database, else into it. */
  private async write(exchanges: NewLoggedExchange[]): Promise<void> {
    const file = this.options.databaseFile;
    if (this.opened === undefined && canWritePending(file)) {
      let pendingFiles: number | undefined;
      try {
        pendingFiles = writePendingExchanges(file, exchanges);
      } catch {
        // A folder that cannot be written: the database says why, if it cannot be written either.
      }
      if (pendingFiles !== undefined) {
        // Nobody may read the log for a long time: now and then a writer folds the folder (opening the log does).
        if (pendingFiles >= FOLD_AT_PENDING_FILES) await this.log().catch(() => undefined);
        return;
      }
    }
    await (await this.log()).recordAll(exchanges);
  }

  async pipelineEnded(exchanges: readonly Exchange[], usage: boolean): Promise<void> {
    if (!usage) return;
    const priced = exchanges.map((exchange) => ({ exchange, cost: this.costs.get(exchange) }));
    for (const line of usageLines(priced)) this.options.usage(line);
  }

  async history(args: string[], io: HistoryIo): Promise<number> {
    // Loaded when `history` runs: a line that only asks an AI does not need it.
    const { runHistory } = await import('./history-command.js');
    return runHistory(args, io, () => this.log());
  }

  /** Dollars spent on exchanges since `since` (ms), for `budget.per_day`; 0 when the log cannot be read. */
  async spentSince(since: number): Promise<number> {
    try {
      return await (await this.log()).spentSince(since);
    } catch {
      return 0;
    }
  }

  /** The command line of exchange `id`, for `!N`; undefined when there is no such exchange. */
  async commandLine(id: number): Promise<string | undefined> {
    return (await (await this.log()).get(id))?.command_line;
  }

  /** The log in the database, opened once (a failure to open is kept, not retried). */
  private async log(): Promise<StoredLog> {
    this.opened ??= import('../store/index.js').then(({ openExchangeLog }) => openExchangeLog(this.options.databaseFile));
    return this.opened;
  }

  /** Prices are read once; a config that cannot be read leaves the built-in table, with the one warning. */
  private prices(): Promise<PriceTable> {
    this.priceTable ??= this.options.prices().catch((error: unknown) => {
      this.options.warn(`aish: warning: prices from the config file are not used (${messageOf(error)})`);
      return {};
    });
    return this.priceTable;
  }
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
