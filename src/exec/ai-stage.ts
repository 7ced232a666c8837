/**
 * An AI stage: reads all of its input, sends instruction + input to a
 * specialist, and streams the answer to its stdout (docs/language.md "AI stages").
 */
import { AishError, exitStatusFor, toAishError, type MessageRequest, type StreamEvent, type TokensUsed } from '../protocol/index.js';
import { parseAiArgs, type AiOptions } from '../plan/index.js';
import { sessionFor, usesSession } from './session-call.js';
import type { ExecContext } from './context.js';
import { recordExchange, type ExchangeStatus } from './exchange.js';
import { answerRenderer } from './markdown/index.js';
import { Spinner } from './progress.js';
import { readStageInput } from './stage-input.js';
import { ReaderGone, releaseSource, SinkWriter, reportWriteFailure, WriteFailure, type Sink, type Source } from './streams.js';

export interface AiCall {
  specialist: string;
  /** Set when `@capability` routed here: the call is measured for that capability. */
  capability?: string;
  args: string[];
  source: Source;
  stdout: Sink;
  stderr: Sink;
}

/** The message: the instruction, a blank line, then the input (either may be absent). */
export function composeMessage(instruction: string, input: string | undefined): string {
  if (input === undefined) return instruction;
  return instruction === '' ? input : `${instruction}\n\n${input}`;
}

export async function runAiStage(call: AiCall, context: ExecContext): Promise<number> {
  const { specialist } = call;
  const parsed = parseAiArgs(call.args);
  if (!parsed.ok) {
    releaseSource(call.source);
    context.reporter.error(`aish: ${specialist}: ${parsed.message}`);
    return 1;
  }
  const { options } = parsed;
  if (options.contextWindow !== undefined && !usesSession(options)) {
    releaseSource(call.source);
    context.reporter.error(`aish: ${specialist}: --context-window needs --session or -C`);
    return 1;
  }
  const input = await readStageInput(call.source, context, specialist, options);
  const content = composeMessage(parsed.instruction, input);
  if (content === '') {
    context.reporter.error(`aish: ${specialist}: nothing to send`);
    return 1;
  }
  const generation: Omit<MessageRequest, 'content'> = {};
  if (options.temperature !== undefined) generation.temperature = options.temperature;
  if (options.maxTokens !== undefined) generation.max_tokens = options.maxTokens;
  if (options.model !== undefined) generation.model = options.model;
  // The service knows the deadline too, so it never waits (a backoff, a Retry-After) past it.
  const timeoutSeconds = options.timeoutSeconds ?? context.session.defaultTimeoutSeconds;
  if (timeoutSeconds !== undefined) generation.timeout = timeoutSeconds;
  // An answer (not a JSON result or a session id) on aish's own stdout may be shown as Markdown.
  const render = options.json || options.getId ? undefined : answerRenderer(call.stdout, context);
  const out = new SinkWriter(call.stdout, () => call.stdout.kind === 'fd' && call.stdout.fd === 1 && context.session.stdoutClosed, render);
  const writer = new AnswerWriter(specialist, options, out, context, content);
  if (call.capability) generation.capability = call.capability;
  if (!usesSession(options)) return writer.run((signal) => context.specialists.stream(specialist, { content, ...generation }, signal));
  let sessionId: string;
  try {
    sessionId = await sessionFor(specialist, options, context);
  } catch (error) {
    const failure = toAishError(error);
    context.reporter.error(`aish: ${specialist}: ${failure.message}`);
    await out.end();
    return exitStatusFor(failure.code);
  }
  context.host.setCurrentSession(sessionId);
  const request = { message: content, specialist_id: specialist, ...generation, ...(options.contextWindow !== undefined && { context_window: options.contextWindow }) };
  return writer.run((signal) => context.specialists.streamSession(sessionId, request, signal), sessionId);
}

/** How much of a message or a streamed answer the exchange log keeps (characters). */
export const LOG_ANSWER_LIMIT = 1024 * 1024;
const LOG_TRUNCATED = '\n[aish: the log keeps the first 1 MiB of this answer]';
const LOG_MESSAGE_TRUNCATED = '\n[aish: the log keeps the first 1 MiB of this message]';

/** A message as the log keeps it: the first LOG_ANSWER_LIMIT characters. */
function truncateForLog(message: string): string {
  return message.length > LOG_ANSWER_LIMIT ? message.slice(0, LOG_ANSWER_LIMIT) + LOG_MESSAGE_TRUNCATED : message;
}

/** Runs one call and writes its answer: streamed, buffered (`--no-stream`) or as JSON. */
class AnswerWriter {
  private readonly stage = new AbortController();
  private readonly timeoutSeconds: number | undefined;
  private readonly started = Date.now();
  private content = '';
  private model = '';
  /** The specialist that answered (a fallback may stand in), once the stream started. */
  private answeredBy: string | undefined;
  private tokens: TokensUsed | undefined;
  /** How the exchange ended, for the log: cancelled until it completes or fails. */
  private outcome: { status: ExchangeStatus; code: string | null } = { status: 'cancelled', code: null };

  constructor(
    private readonly specialist: string,
    private readonly options: AiOptions,
    private readonly out: SinkWriter,
    private readonly context: ExecContext,
    /** The message sent, for the log. */
    private readonly message: string,
  ) {
    this.timeoutSeconds = options.timeoutSeconds ?? context.session.defaultTimeoutSeconds;
  }

  private get buffered(): boolean {
    return this.options.json === true || this.options.stream === false || this.options.getId === true;
  }

  /** The session this answer is kept in, if any. */
  private sessionId: string | undefined;

  async run(call: (signal: AbortSignal) => AsyncIterable<StreamEvent>, sessionId?: string): Promise<number> {
    this.sessionId = sessionId;
    const signals = [this.context.signal, this.stage.signal];
    if (this.timeoutSeconds !== undefined) signals.push(AbortSignal.timeout(this.timeoutSeconds * 1000));
    const signal = AbortSignal.any(signals);
    const spinner = new Spinner(this.specialist, this.context.session.progress);
    try {
      let last: StreamEvent | undefined;
      for await (const event of call(signal)) {
        last = event;
        if (event.type === 'content') spinner.stop();
        await this.handle(event);
        if (event.type === 'error') return this.fail(new AishError(event.code, event.message));
      }
      if (signal.aborted || last?.type !== 'done') return this.interrupted(signal);
      await this.finish(last);
      return 0;
    } catch (error) {
      if (error instanceof ReaderGone) return 0;
      // The answer arrived but could not be written: one line, as sh's `echo` says it.
      if (error instanceof WriteFailure) return reportWriteFailure(error, this.context);
      if (signal.aborted) return this.interrupted(signal);
      return this.fail(toAishError(error));
    } finally {
      spinner.stop();
      this.stage.abort();
      await this.endLine();
      await this.out.end();
      await this.record();
    }
  }

  /** Hands the exchange to the log once its answer is written. */
  private record(): Promise<void> {
    return recordExchange(this.context, {
      started_at: this.started,
      specialist: this.answeredBy ?? this.specialist,
      model: this.model || null,
      message: truncateForLog(this.message),
      answer: this.content,
      tokens_in: this.tokens?.input ?? null,
      tokens_out: this.tokens?.output ?? null,
      duration_ms: Date.now() - this.started,
      status: this.outcome.status,
      error_code: this.outcome.code,
      session_id: this.sessionId ?? null,
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
      if (isEchoModel(event.model)) this.echoNotice();
    } else if (event.type === 'content') {
      if (this.buffered) this.content += event.data;
      else if (this.context.log) this.keepForLog(event.data);
      if (!this.buffered) await this.out.write(event.data);
    } else if (event.type === 'done') {
      this.tokens = event.tokens_used;
      this.outcome = { status: 'ok', code: null };
    }
  }

  private async finish(done: Extract<StreamEvent, { type: 'done' }>): Promise<void> {
    if (this.options.getId && this.sessionId) {
      await this.out.write(this.sessionId + '\n');
      return;
    }
    if (this.options.json) {
      const result = {
        content: this.content,
        specialist_id: done.specialist_id,
        model: this.model,
        tokens_used: done.tokens_used,
        finish_reason: done.finish_reason,
        elapsed_ms: Date.now() - this.started,
        ...(this.sessionId && { session_id: this.sessionId, message_count: done.message_count }),
      };
      await this.out.write(JSON.stringify(result) + '\n');
      return;
    }
    // Whole lines for terminals and files (docs/cli.md "Streams", by endLine); bytes between stages pass unchanged.
    if (this.buffered) await this.out.write(this.content);
  }

  private echoNotice(): void {
    echoNotice(this.context);
  }

  private interrupted(signal: AbortSignal): number {
    if (this.context.signal.aborted) return 130;
    if (signal.aborted && !this.stage.signal.aborted) {
      return this.fail(new AishError('TIMEOUT', `timed out after ${this.timeoutSeconds} s`));
    }
    return this.fail(new AishError('PROVIDER_ERROR', 'the answer ended before it was complete'));
  }

  /** A cut-short answer on a terminal or in a file still ends its line. */
  private async endLine(): Promise<void> {
    if (this.out.final && this.out.bytes > 0 && this.out.lastChar !== '\n') {
      await this.out.write('\n').catch(() => {});
    }
  }

  private fail(error: AishError): number {
    const cancelled = error.code === 'CANCELLED' || this.context.signal.aborted;
    this.outcome = cancelled ? { status: 'cancelled', code: null } : { status: 'error', code: error.code };
    if (this.sessionId) this.context.reporter.error(`aish: ${this.specialist}: nothing was stored in session ${this.sessionId}`);
    if (error.code === 'CANCELLED' || this.context.signal.aborted) return 130;
    this.context.reporter.error(`aish: ${this.specialist}: ${error.message}`);
    return exitStatusFor(error.code);
  }
}

/** Says once per process that answers come from the echo model, and how to get a real one. */
export function echoNotice(context: ExecContext): void {
  const { session } = context;
  if (session.echoNoticeShown) return;
  session.echoNoticeShown = true;
  context.reporter.notice(ECHO_NOTICE);
}

/** The one notice that says answers come from the echo model (its output is never presented as an AI answer). */
export const ECHO_NOTICE =
  'aish: note: answers come from the offline echo model, which repeats the message and is not an AI. ' +
  'To use a real model, set ANTHROPIC_API_KEY or OPENAI_API_KEY, run Ollama, or write ~/.config/aish/config.yaml.';

/** Whether a model reference is the echo model (with or without timing options). */
export function isEchoModel(model: string): boolean {
  return model.split('?')[0] === 'echo';
}
