/**
 * `--json` for runs and for the version: one JSON document on stdout per run.
 *
 * `aish --json -c LINE` (or a script FILE, or a script on stdin) runs as
 * usual, but what the line writes to stdout is collected and printed at the
 * end inside one document, with every AI exchange the line made:
 *
 *     {"status": 0, "stdout": "[apollo] hi\n", "exchanges": [{…}]}
 *
 * Each exchange has the fields of an `aish history --json` entry but its id,
 * in the order the exchanges ended. Notices and errors stay on stderr.
 */
import { costOf, type PriceTable } from '../config/prices.js';
import { TextCollector, type Exchange } from '../exec/index.js';

/** The document `aish --json -c LINE` prints. */
export interface RunDocument {
  /** The exit status (the process exits with it too). */
  status: number;
  /** Everything the line wrote to stdout, answers and Unix commands alike (UTF-8). */
  stdout: string;
  exchanges: RunExchange[];
}

/** One AI exchange of the run, as `aish history --json` shows exchanges (without the id). */
export type RunExchange = Omit<Exchange, 'started_at'> & {
  /** When the message was sent, ISO 8601. */
  time: string;
  /** US dollars; null when the model has no known price. */
  cost_usd: number | null;
};

/** Collects a run's stdout and exchanges, then prints them as one document. */
export class RunCollector {
  readonly exchanges: Exchange[] = [];
  /** What the run writes to stdout, every pipeline of it. */
  readonly stdout = new TextCollector();

  /** Prints the document; returns the status for the process to exit with. */
  print(status: number, prices: PriceTable): number {
    const document: RunDocument = {
      status,
      stdout: this.stdout.text(),
      exchanges: this.exchanges.map((exchange) => runExchange(exchange, prices)),
    };
    process.stdout.write(JSON.stringify(document) + '\n');
    return status;
  }
}

function runExchange(exchange: Exchange, prices: PriceTable): RunExchange {
  return {
    time: new Date(exchange.started_at).toISOString(),
    command_line: exchange.command_line,
    specialist: exchange.specialist,
    model: exchange.model,
    message: exchange.message,
    answer: exchange.answer,
    tokens_in: exchange.tokens_in,
    tokens_out: exchange.tokens_out,
    duration_ms: exchange.duration_ms,
    status: exchange.status,
    error_code: exchange.error_code,
    session_id: exchange.session_id,
    cost_usd: costOf(exchange.model, exchange.tokens_in, exchange.tokens_out, prices) ?? null,
  };
}

/** `aish --version`, or with `--json` `{"name": "aish", "version": "…"}`. */
export function printVersion(version: string, json: boolean): number {
  process.stdout.write(json ? JSON.stringify({ name: 'aish', version }) + '\n' : version + '\n');
  return 0;
}
