/**
 * The one place an AI answer is written, whoever asked for it (an AI stage,
 * a chat message): Markdown rendering and visible control characters on a
 * terminal, the final newline when the answer leaves the AI stages, what a
 * failed, timed-out or cancelled answer says, the echo-model notice (once
 * per run), and the exchange log.
 */
import { AishError, exitStatusFor, realModelHint, toAishError, type CallHooks, type StreamEvent, type TokensUsed, type ToolCallRecord } from '../protocol/index.js';
import { callHooks, type ProcessFacts, type Reporter, type RunEvents, type StageRef } from './context.js';
import { recordExchange, type ExchangeLog, type ExchangeStatus, type PipelineRecord } from './exchange.js';
import { ReaderGone, reportWriteFailure, SinkWriter, WriteFailure, type OutputTransform, type Sink } from './streams.js';
import { isOwnBudgetStop, type RunBudget } from './budget.js';
import { linkedSignal } from './linked-signal.js';

/** What writing an answer needs from whoever runs it: an exec context has all of it, a chat builds it. */
export interface AnswerContext {
  reporter: Reporter;
  session: ProcessFacts;
  /** The user's cancel (Ctrl-C): a cancelled answer exits 130 and says so. */
  signal: AbortSignal;
  log?: ExchangeLog;
  pipeline?: PipelineRecord;
  /** `--events`: the answer's text streams there as deltas of `eventStage`. */
  events?: RunEvents;
  eventStage?: StageRef;
}

/**
 * How the answer is written: streamed as it comes (`stream`), all at once
 * (`text`, `--no-stream`), as the JSON result (`json`), only the session id
 * (`session-id`, `--session --get-id`), or a validated typed answer's JSON
 * lines (`typed`, `--schema`), never rendered as Markdown.
 */
export type AnswerForm = 'stream' | 'text' | 'json' | 'session-id' | 'typed';

export interface AnswerRequest {
  specialist: string;
  form: AnswerForm;
  /** The message sent, for the log. */
  message: string;
  timeoutSeconds?: number | undefined;
  /** The session the answer is kept in, if any. */
  sessionId?: string | undefined;
}

/** How much of a message or a streamed answer the exchange log keeps (characters). */
export const LOG_ANSWER_LIMIT = 1024 * 1024;
const LOG_TRUNCATED = '\n[aish: the log keeps the first 1 MiB of this answer]';
const LOG_MESSAGE_TRUNCATED = '\n[aish: the log keeps the first 1 MiB of this message]';

/** A message as the log keeps it: the first LOG_ANSWER_LIMIT characters. */
function truncateForLog(message: string): string {
  return message.length > LOG_ANSWER_LIMIT ? message.slice(0, LOG_ANSWER_LIMIT) + LOG_MESSAGE_TRUNCATED : message;
}

/**
 * Where an answer goes: a sink, shown as the display wants (Markdown, visible
 * control characters) when it is aish's own stdout and the answer is text.
 * Files (`> out.md`) and the pipes between stages always get the text as it came.
 */
export function answerOutput(sink: Sink, context: Pick<AnswerContext, 'session'>, form: AnswerForm): SinkWriter {
  const text = form === 'stream' || form === 'text';
  const isClosed = (): boolean => sink.kind === 'fd' && sink.fd === 1 && context.session.stdoutClosed;
  // Parts of an answer that arrive together (a fast model, a large echo) become one write to stdout.
  return new SinkWriter(sink, isClosed, text ? answerDisplay(sink, context.session) : undefined, true);
}

/** The display's transform for text written to `sink`, when that is aish's own stdout. */
export function answerDisplay(sink: Sink, facts: ProcessFacts): OutputTransform | undefined {
  return sink.kind === 'fd' && sink.fd === 1 ? facts.display?.answer() : undefined;
}

/** Runs one call and writes its answer to `out`; returns the exit status. */
export class AnswerWriter {
  private readonly stage = new AbortController();
  private readonly started = Date.now();
  /** The answer as far as the log keeps it (the whole answer when buffered). */
  private content = '';
  private model = '';
  /** The specialist that answered (a fallback may stand in), once the stream started. */
  private answeredBy: string | undefined;
  private tokens: TokensUsed | undefined;
  /** From the `done` event: the request's cache key, and the exchange a cached answer came from. */
  private cache: { key?: string; from?: number } = {};
  /** How the exchange ended, for the log: cancelled until it completes or fails. */
  private outcome: { status: ExchangeStatus; code: string | null } = { status: 'cancelled', code: null };
  /** The tool calls the specialist made, for the log. */
  private readonly toolCalls: ToolCallRecord[] = [];
  /** The echo notice is due, but only once the answer's line has ended (the model was named at its end). */
  private noticeAfterLine = false;

  constructor(
    private readonly request: AnswerRequest,
    private readonly out: SinkWriter,
    private readonly context: AnswerContext,
  ) {}

  private get buffered(): boolean {
    return this.request.form !== 'stream';
  }

  /** Runs `call`, giving it the run's hooks (`--confirm-tools`). */
  async run(call: (signal: AbortSignal, hooks: CallHooks | undefined) => AsyncIterable<StreamEvent>): Promise<number> {
    const { timeoutSeconds } = this.request;
    const linked = linkedSignal([this.context.signal, this.stage.signal], timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000);
    const { signal } = linked;
    const spinner = this.context.session.display?.waiting(this.request.specialist);
    let status: number;
    try {
      let last: StreamEvent | undefined;
      for await (const event of call(signal, callHooks(this.context.session, signal, () => spinner?.stop()))) {
        last = event;
        if (event.type === 'content' || event.type === 'tool.start') spinner?.stop();
        await this.handle(event);
        if (event.type === 'error') break;
      }
      // What the last tick held is written here, so a write error is this answer's.
      await this.out.drain();
      if (last?.type === 'error') status = this.failed(new AishError(last.code, last.message, last.details));
      else if (signal.aborted || last?.type !== 'done') status = this.interrupted(signal);
      else status = await this.finish(last);
    } catch (error) {
      if (error instanceof ReaderGone) status = 0;
      // The answer arrived but could not be written: one line, as sh's `echo` says it.
      else if (error instanceof WriteFailure) status = reportWriteFailure(error, this.context);
      else if (signal.aborted) status = this.interrupted(signal);
      else status = this.failed(toAishError(error));
    } finally {
      spinner?.stop();
      this.stage.abort();
      linked.dispose();
    }
    // The answer's line ends before any message about it, so the message starts on its own line.
    await this.endLine();
    await this.out.end();
    if (this.noticeAfterLine) echoNotice(this.context);
    const budgetNote = this.failure ? await budgetStopNote(this.failure, this.request.specialist, this.context.session.budget) : undefined;
    if (budgetNote) this.context.reporter.error(budgetNote);
    else this.report(status);
    await this.record();
    return status;
  }

  /** Hands the exchange to the log once its answer is written. */
  private record(): Promise<void> {
    const { events, eventStage } = this.context;
    if (events && eventStage) {
      events.stageUsage(eventStage, { model: this.model || null, tokens_in: this.tokens?.input ?? null, tokens_out: this.tokens?.output ?? null, cached: this.cache.from !== undefined });
    }
    return recordExchange(this.context, {
      started_at: this.started,
      specialist: this.answeredBy ?? this.request.specialist,
      model: this.model || null,
      message: truncateForLog(this.request.message),
      answer: this.content,
      tokens_in: this.tokens?.input ?? null,
      tokens_out: this.tokens?.output ?? null,
      duration_ms: Date.now() - this.started,
      status: this.outcome.status,
      error_code: this.outcome.code,
      session_id: this.request.sessionId ?? null,
      // A truncated log entry could not replay the answer exactly.
      cache_key: this.cache.key !== undefined && this.content.length <= LOG_ANSWER_LIMIT ? this.cache.key : null,
      cached_from: this.cache.from ?? null,
      ...(this.toolCalls.length > 0 && { tool_calls: this.toolCalls }),
    });
  }

  /**
   * The log keeps the answer, up to LOG_ANSWER_LIMIT characters: a streamed
   * answer may be far larger than memory should hold for a log row.
   */
  private keepForLog(text: string): void {
    if (this.content.length >= LOG_ANSWER_LIMIT) return;
    this.content += text;
    if (this.content.length >= LOG_ANSWER_LIMIT) this.content = this.content.slice(0, LOG_ANSWER_LIMIT) + LOG_TRUNCATED;
  }

  private async handle(event: StreamEvent): Promise<void> {
    if (event.type === 'start') {
      this.model = event.model;
      this.answeredBy = event.specialist_id;
      if (event.fallback_for) this.context.reporter.notice(`aish: ${event.fallback_for} is unavailable; ${event.specialist_id} answered`);
      if (isEchoModel(event.model)) echoNotice(this.context);
    } else if (event.type === 'content') {
      const { events, eventStage } = this.context;
      if (events && eventStage) events.stageDelta(eventStage, event.data);
      if (this.buffered) this.content += event.data;
      else if (this.context.log) this.keepForLog(event.data);
      if (!this.buffered) await this.out.write(event.data);
    } else if (event.type === 'tool.start') {
      // The answer so far goes out before the notice about the tool.
      await this.out.drain();
      this.context.reporter.notice(toolCallNotice(event));
    }
    else if (event.type === 'tool.done') {
      const { name, arguments: args, status, bytes, duration_ms } = event;
      this.toolCalls.push({ name, arguments: args, status, bytes, duration_ms });
    } else if (event.type === 'done') {
      // A stream without `start` (an older server over WebSocket) names the model only here: its notice waits for the answer's line to end.
      if (!this.model && event.model) {
        this.model = event.model;
        this.noticeAfterLine = isEchoModel(event.model);
      }
      this.tokens = event.tokens_used;
      this.context.session.budget?.spend(event.cost_usd ?? 0);
      this.cache = { ...(event.cache_key !== undefined && { key: event.cache_key }), ...(event.cached_from !== undefined && { from: event.cached_from }) };
      this.outcome = { status: 'ok', code: null };
    }
  }

  private async finish(done: Extract<StreamEvent, { type: 'done' }>): Promise<number> {
    const { form, sessionId } = this.request;
    if (form === 'session-id' && sessionId) await this.out.write(sessionId + '\n');
    else if (form === 'json') {
      const result = {
        content: this.content,
        specialist_id: done.specialist_id,
        model: this.model,
        tokens_used: done.tokens_used,
        finish_reason: done.finish_reason,
        elapsed_ms: Date.now() - this.started,
        ...(sessionId && { session_id: sessionId, message_count: done.message_count }),
        ...(done.data !== undefined && { data: done.data }),
      };
      await this.out.write(JSON.stringify(result) + '\n');
    } else if (form === 'text' || form === 'typed') await this.out.write(this.content);
    return 0;
  }

  /** The stream stopped before `done`: the user's Ctrl-C, the timeout, or the other side. */
  private interrupted(signal: AbortSignal): number {
    if (this.context.signal.aborted) return this.failed(new AishError('CANCELLED', 'cancelled'));
    if (signal.aborted && !this.stage.signal.aborted) {
      return this.failed(new AishError('TIMEOUT', `timed out after ${this.request.timeoutSeconds} s`));
    }
    return this.failed(new AishError('PROVIDER_ERROR', 'the answer ended before it was complete'));
  }

  private failure: AishError | undefined;

  private failed(error: AishError): number {
    const cancelled = error.code === 'CANCELLED' || this.context.signal.aborted;
    this.outcome = cancelled ? { status: 'cancelled', code: null } : { status: 'error', code: error.code };
    this.failure = cancelled ? new AishError('CANCELLED', 'cancelled') : error;
    return cancelled ? 130 : exitStatusFor(error.code);
  }

  /** Says on stderr what went wrong, once the answer's line has ended. */
  private report(status: number): void {
    const { failure } = this;
    if (status === 0 || !failure) return;
    const { specialist, sessionId } = this.request;
    const partial = this.out.bytes > 0 && this.request.form === 'stream';
    if (sessionId) this.context.reporter.error(`aish: ${specialist}: nothing was stored in session ${sessionId}`);
    let message = failure.message;
    // Every failure after part of the answer says so, whatever its cause (a provider's own message may already).
    if (partial && !/incomplete/.test(message)) message += '; the answer is incomplete';
    // A dead MCP server is named on its own: it is no fault of the specialist's.
    if (failure.code === 'TOOL_SERVER_FAILED') this.context.reporter.error(`aish: ${message}`);
    else if (failure.code !== 'CANCELLED') this.context.reporter.error(`aish: ${specialist}: ${message}`);
    // Ctrl-C: the terminal may show nothing of it, so a cut-short answer is marked.
    else if (partial) {
      const how = this.context.signal.aborted ? 'cancelled (Ctrl-C)' : 'cancelled';
      this.context.reporter.error(`aish: ${specialist}: ${how}; the answer is incomplete`);
    }
  }

  /** An answer leaving the AI stages ends its line (cli.md "Streams"), complete or not. */
  private async endLine(): Promise<void> {
    if (this.out.endsLines && this.out.bytes > 0 && this.out.lastChar !== '\n') {
      await this.out.write('\n').catch(() => {});
    }
  }
}

/** The most characters of a tool call's arguments its stderr line shows. */
const NOTICE_ARGUMENTS = 300;

/** A tool call as it starts, for stderr: `aish: apollo → files.read_text_file {"path":"README.md"}`. */
export function toolCallNotice(event: { specialist_id: string; name: string; arguments: string }): string {
  return `aish: ${event.specialist_id} → ${toolCallText(event)}`;
}

/** `files.read_text_file {"path":"README.md"}`: the name and the arguments on one line (compact JSON, at most 300 characters). */
export function toolCallText(call: { name: string; arguments: string }): string {
  let args = call.arguments.trim();
  try {
    args = JSON.stringify(JSON.parse(args));
  } catch {
    args = args.replace(/\s+/g, ' ');
  }
  if (args.length > NOTICE_ARGUMENTS) args = `${args.slice(0, NOTICE_ARGUMENTS)}…`;
  return `${call.name}${args ? ` ${args}` : ''}`;
}

/** Whether a terminal answer to `[y/N]` is a yes. */
export function isYes(answer: string): boolean {
  return /^\s*y(es)?\s*$/i.test(answer);
}

/** Says once per process that answers come from the echo model, and how to get a real one. */
export function echoNotice(context: Pick<AnswerContext, 'session' | 'reporter'>): void {
  const { session } = context;
  if (session.echoNoticeShown) return;
  session.echoNoticeShown = true;
  context.reporter.notice(ECHO_NOTICE);
}

/** The one notice that says answers come from the echo model (it is never to pass for an AI answer). */
export const ECHO_NOTICE =
  'aish: note: answers come from the offline echo model, which repeats the message and is not an AI. ' +
  realModelHint();

/** Whether a model reference is the echo model (with or without timing options). */
export function isEchoModel(model: string): boolean {
  return model.split('?')[0] === 'echo';
}

/**
 * What aish says when this run's budget stopped a call (and the estimate of a
 * stopped answer counted as spent); undefined for any other failure, a
 * server's 402 included (it says its own words).
 */
export async function budgetStopNote(failure: AishError, specialist: string, budget: RunBudget | undefined): Promise<string | undefined> {
  const stop = isOwnBudgetStop(failure);
  if (!stop || !budget) return undefined;
  if (stop === 'unpriced') return `aish: budget: ${specialist}: ${failure.message}`;
  if (stop === 'mid') budget.spend(Number(failure.details?.spent_usd ?? 0));
  return budget.reached(specialist, stop);
}
