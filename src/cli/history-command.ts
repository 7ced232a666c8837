/**
 * `aish history` and the `history` builtin: the local exchange log as a
 * listing, one exchange in full (`show ID`), or tokens and cost summed by
 * specialist and model (`--cost`). `--json` prints one JSON document whose
 * field names are stable (snake_case; README "History, usage and cost").
 */
import { table } from '../exec/sessions-builtin.js';
import type { HistoryIo } from '../exec/index.js';
import type { CostRow, ExchangeLog, LoggedExchange } from '../store/index.js';
import type { ToolCallRecord } from '../protocol/index.js';
import { HISTORY_USAGE, parseHistoryArguments, type HistoryRequest } from './history-arguments.js';
import { formatUsd } from './usage-report.js';

/** An exchange as `--json` prints it: the log's fields, with `time` as ISO 8601 in place of `started_at`. */
export interface ExchangeDocument extends Omit<LoggedExchange, 'started_at' | 'tool_calls'> {
  time: string;
  /** The tool calls made during the exchange; absent when it made none. */
  tool_calls?: ToolCallRecord[];
}

/** A `--cost --json` row. */
export interface CostDocument {
  specialist: string;
  model: string | null;
  exchanges: number;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number | null;
  unpriced_exchanges: number;
}

const MESSAGE_WIDTH = 60;

/** Runs `history ARGS`, opening the log only when the words are right; returns the exit status. */
export async function runHistory(args: string[], io: HistoryIo, openLog: () => Promise<ExchangeLog>, now = Date.now()): Promise<number> {
  const parsed = parseHistoryArguments(args, now);
  if (!parsed.ok) {
    await io.err(`aish: history: ${parsed.message}\n`);
    return 1;
  }
  if (parsed.request.kind === 'help') {
    await io.out(HISTORY_USAGE);
    return 0;
  }
  let log: ExchangeLog;
  try {
    log = await openLog();
  } catch (error) {
    await io.err(`aish: history: cannot read the exchange log: ${messageOf(error)}\n`);
    return 1;
  }
  try {
    return await answer(parsed.request, log, io);
  } catch (error) {
    // RangeError: --search words with nothing to look for; anything else: the database failed.
    const why = error instanceof RangeError ? `--search: ${error.message}` : `cannot read the exchange log: ${messageOf(error)}`;
    await io.err(`aish: history: ${why}\n`);
    return 1;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function answer(request: Exclude<HistoryRequest, { kind: 'help' }>, log: ExchangeLog, io: HistoryIo): Promise<number> {
  switch (request.kind) {
    case 'show': {
      const exchange = await log.get(request.id);
      if (!exchange) {
        await io.err(`aish: history: no exchange ${request.id}\n`);
        return 1;
      }
      await io.out(request.json ? JSON.stringify(document(exchange)) + '\n' : showText(exchange));
      return 0;
    }
    case 'list': {
      const { search, specialist, since, limit } = request;
      // The most recent ones, printed oldest first so the newest is nearest the prompt.
      const found = (await log.find({ limit, ...(search !== undefined && { search }), ...(specialist !== undefined && { specialist }), ...(since !== undefined && { since }) })).reverse();
      if (request.json) await io.out(JSON.stringify({ exchanges: found.map(document), total: found.length }) + '\n');
      else if (found.length > 0) await io.out(listText(found));
      return 0;
    }
    case 'cost': {
      const rows = (await log.costs(request.since)).map(costDocument);
      const total = costTotal(rows);
      if (request.json) await io.out(JSON.stringify({ since: request.since === undefined ? null : new Date(request.since).toISOString(), by_model: rows, total }) + '\n');
      else await io.out(costText(rows, total));
      return 0;
    }
  }
}

/** The JSON shape of one exchange. */
export function document(exchange: LoggedExchange): ExchangeDocument {
  const { id, started_at, tool_calls, ...rest } = exchange;
  const calls = toolCallsOf(tool_calls);
  return { id, time: new Date(started_at).toISOString(), ...rest, ...(calls.length > 0 && { tool_calls: calls }) };
}

/** The log's JSON text of tool calls, read back (nothing for none, or for text that is not such a list). */
function toolCallsOf(text: string | null | undefined): ToolCallRecord[] {
  if (!text) return [];
  try {
    const calls: unknown = JSON.parse(text);
    return Array.isArray(calls) ? (calls as ToolCallRecord[]) : [];
  } catch {
    return [];
  }
}

/** `files.read_text_file {"path":"README.md"}  ok, 1.2 KiB, 35 ms` */
function toolCallText(call: ToolCallRecord): string {
  const size = call.bytes < 1024 ? `${call.bytes} B` : `${(call.bytes / 1024).toFixed(1)} KiB`;
  return `${call.name} ${call.arguments.replace(/\s+/g, ' ')}  ${call.status}, ${size}, ${call.duration_ms} ms\n`;
}

function listText(exchanges: LoggedExchange[]): string {
  const rows = exchanges.map((exchange) => [String(exchange.id), localTime(exchange.started_at), exchange.specialist, statusText(exchange), firstLine(exchange.message)]);
  return table([['ID', 'TIME', 'SPECIALIST', 'STATUS', 'MESSAGE'], ...rows]);
}

function showText(exchange: LoggedExchange): string {
  const fields: [string, string][] = [
    ['command', exchange.command_line],
    ['specialist', exchange.specialist],
    ['model', exchange.model ?? '-'],
    ['status', statusText(exchange)],
    ['time', `${localTime(exchange.started_at, true)} (${(exchange.duration_ms / 1000).toFixed(1)} s)`],
    ['tokens', exchange.tokens_in === null ? 'unknown' : `${exchange.tokens_in} in / ${exchange.tokens_out} out`],
    ['cost', exchange.cost_usd === null ? 'unknown' : formatUsd(exchange.cost_usd)],
  ];
  if (exchange.session_id) fields.push(['session', exchange.session_id]);
  const head = fields.map(([name, value]) => `${(name + ':').padEnd(12)}${value}\n`).join('');
  const calls = toolCallsOf(exchange.tool_calls);
  const tools = calls.length > 0 ? `── tool calls ──\n${calls.map(toolCallText).join('')}` : '';
  return `exchange ${exchange.id}\n${head}── message ──\n${wholeLines(exchange.message)}${tools}── answer ──\n${wholeLines(exchange.answer)}`;
}

function costDocument(row: CostRow): CostDocument {
  return {
    specialist: row.specialist,
    model: row.model,
    exchanges: row.exchanges,
    tokens_in: row.tokens_in,
    tokens_out: row.tokens_out,
    cost_usd: row.cost_usd === null ? null : tidy(row.cost_usd),
    unpriced_exchanges: row.unpriced,
  };
}

function costTotal(rows: CostDocument[]): Omit<CostDocument, 'specialist' | 'model'> {
  const sum = (pick: (row: CostDocument) => number): number => rows.reduce((total, row) => total + pick(row), 0);
  const priced = rows.filter((row) => row.cost_usd !== null);
  return {
    exchanges: sum((row) => row.exchanges),
    tokens_in: sum((row) => row.tokens_in),
    tokens_out: sum((row) => row.tokens_out),
    cost_usd: priced.length === 0 ? null : tidy(sum((row) => row.cost_usd ?? 0)),
    unpriced_exchanges: sum((row) => row.unpriced_exchanges),
  };
}

function costText(rows: CostDocument[], total: Omit<CostDocument, 'specialist' | 'model'>): string {
  const line = (specialist: string, model: string, row: Omit<CostDocument, 'specialist' | 'model'>): string[] => [
    specialist,
    model,
    String(row.exchanges),
    String(row.tokens_in),
    String(row.tokens_out),
    dollars(row),
  ];
  const body = rows.map((row) => line(row.specialist, row.model ?? '-', row));
  return table([['SPECIALIST', 'MODEL', 'EXCHANGES', 'TOKENS IN', 'TOKENS OUT', 'COST'], ...body, line('total', '', total)]);
}

/** `$0.0123`, `unknown`, or `$0.0123 + 2 unknown` when some exchanges have no price. */
function dollars(row: Pick<CostDocument, 'cost_usd' | 'unpriced_exchanges'>): string {
  if (row.cost_usd === null) return 'unknown';
  return row.unpriced_exchanges > 0 ? `${formatUsd(row.cost_usd)} + ${row.unpriced_exchanges} unknown` : formatUsd(row.cost_usd);
}

/** Sums of dollars without float dust (0.1 + 0.2 is 0.3 here). */
function tidy(dollars: number): number {
  return Number(dollars.toPrecision(12));
}

function statusText(exchange: LoggedExchange): string {
  return exchange.status === 'error' && exchange.error_code ? `error ${exchange.error_code}` : exchange.status;
}

/** The message's first non-blank line, cut to fit a listing row. */
function firstLine(text: string): string {
  const line = text.split('\n').find((candidate) => candidate.trim() !== '')?.trim() ?? '';
  return line.length > MESSAGE_WIDTH ? `${line.slice(0, MESSAGE_WIDTH - 1)}…` : line;
}

/** `2025-11-22 07:30` (`:12` with seconds), in local time. */
function localTime(ms: number, seconds = false): string {
  const date = new Date(ms);
  const two = (value: number): string => String(value).padStart(2, '0');
  const time = `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}`;
  return seconds ? `${time}:${two(date.getSeconds())}` : time;
}

function wholeLines(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}
