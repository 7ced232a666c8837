/**
 * The seam between running AI stages and recording them: every AI exchange
 * that ends (answered, failed or cancelled) is handed to `context.log`, which
 * the CLI provides (the exchange log in the store, `--usage`); exec itself
 * stores nothing. Exchanges are grouped by the top-level pipeline they ran in,
 * which knows the source line the user typed.
 */
import type { Pipeline } from '../plan/index.js';
import type { ToolCallRecord } from '../protocol/index.js';
import type { ExecContext } from './context.js';

/** How an exchange ended. */
export type ExchangeStatus = 'ok' | 'error' | 'cancelled';

/** One finished AI exchange. Field names are the exchange log's (and `aish history --json`'s). */
export interface Exchange {
  /** When the message was sent (ms since the epoch). */
  started_at: number;
  /** The source line of the pipeline, as typed. */
  command_line: string;
  specialist: string;
  /** The model the service reported; null when the call failed before it started. */
  model: string | null;
  message: string;
  /** The answer, or what arrived of it. */
  answer: string;
  /** Null when the model reported no usage. */
  tokens_in: number | null;
  tokens_out: number | null;
  duration_ms: number;
  status: ExchangeStatus;
  /** The error code when `status` is `error`. */
  error_code: string | null;
  session_id: string | null;
  /** The request's cache key, on a complete answer the log keeps whole: it answers the same request again (`--cache`). */
  cache_key?: string | null;
  /** Set when the answer came from the cache: the exchange it was replayed from. */
  cached_from?: number | null;
  /** The tool calls the specialist made, in the order they started. */
  tool_calls?: ToolCallRecord[];
}

/** What `history` builtin output goes through. */
export interface HistoryIo {
  out(text: string): Promise<void>;
  err(text: string): Promise<void>;
}

/** Where finished exchanges go; provided by the CLI. No method throws. */
export interface ExchangeLog {
  /** One exchange ended (its answer already written): record it, unless logging is off. */
  record(exchange: Exchange): Promise<void>;
  /** A top-level pipeline ended with these exchanges; prints their usage and cost when `usage`. */
  pipelineEnded(exchanges: readonly Exchange[], usage: boolean): Promise<void>;
  /** The `history` builtin (the same words and output as `aish history`); returns its status. */
  history(args: string[], io: HistoryIo): Promise<number>;
  /** The command line of exchange `id` (`!N` in the REPL); undefined when there is none. Throws when the log cannot be read. */
  commandLine(id: number): Promise<string | undefined>;
}

/** The top-level pipeline running: its source line and the exchanges it has made so far. */
export interface PipelineRecord {
  commandLine: string;
  exchanges: Exchange[];
}

/** An exchange without the pipeline's part, which {@link recordExchange} adds. */
export type StageExchange = Omit<Exchange, 'command_line'>;

/** The most exchanges one pipeline keeps for its `--usage` lines (the log gets every one). */
export const PIPELINE_EXCHANGES_KEPT = 1000;

/** Hands a finished exchange to the log, and to its pipeline for the usage total. */
export async function recordExchange(context: Pick<ExecContext, 'log' | 'pipeline'>, exchange: StageExchange): Promise<void> {
  const { log, pipeline } = context;
  if (!log) return;
  const full: Exchange = { ...exchange, command_line: pipeline?.commandLine ?? '' };
  // A pipeline keeps its exchanges for --usage; an endless --each run must not keep them all.
  if (pipeline && pipeline.exchanges.length < PIPELINE_EXCHANGES_KEPT) pipeline.exchanges.push(full);
  await log.record(full);
}

/**
 * The whole lines of `text` that a pipeline takes, trimmed, here-document
 * bodies included (so the line can run again as it is): for a `-c` line or a
 * REPL line that is the line itself; in a script, the pipeline's own lines.
 */
export function sourceLine(text: string, pipeline: Pipeline): string {
  const { start } = pipeline.span;
  const end = textEnd(pipeline);
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const newline = text.indexOf('\n', Math.max(start, end - 1));
  return text.slice(lineStart, newline < 0 ? text.length : newline).trim();
}

/** Where a pipeline's text ends: a here-document's body follows its line. */
function textEnd(pipeline: Pipeline): number {
  return Math.max(pipeline.span.end, ...pipeline.stages.map(stageEnd));
}

function stageEnd(stage: Pipeline['stages'][number]): number {
  let end = stage.span.end;
  for (const redirect of stage.redirects) if (redirect.kind === 'here-doc') end = Math.max(end, redirect.bodySpan.end);
  if (stage.kind === 'group') end = Math.max(end, textEnd(stage.pipeline));
  if (stage.kind === 'fanout') for (const branch of stage.branches) end = Math.max(end, stageEnd(branch));
  return end;
}
