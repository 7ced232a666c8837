/**
 * `--each`: one call per input record instead of one for the whole input
 * (docs/records-budgets-cache.md). Up to `jobs` calls run at once; answers
 * come out in input order, each as soon as it and all before it are done
 * (as `parallel --keep-order`), and at most 8 × jobs records are held, so an
 * endless input runs in bounded memory. An empty or failed record prints an
 * empty output record, so output lines up with input.
 */
import { AishError, toAishError, type ErrorCode, type MessageRequest, type StreamEvent } from '../protocol/index.js';
import type { RecordKind } from '../plan/index.js';
import type { ExecContext, RecordsProgress } from './context.js';
import { budgetStopNote, echoNotice, isEchoModel, LOG_ANSWER_LIMIT, toolCallNotice } from './answer-writer.js';
import { BUDGET_STATUS } from './budget.js';
import { composeMessage } from './ai-stage.js';
import { recordExchange } from './exchange.js';
import { linkedSignal } from './linked-signal.js';
import { readRecords, recordSeparator, type InputRecord } from './records.js';
import { ReaderGone, reportWriteFailure, WriteFailure, type SinkWriter, type Source } from './streams.js';

/** How many calls run at once unless `-j` says otherwise. */
export const DEFAULT_JOBS = 4;
/** Records held (running or waiting for their turn to be written) per job. */
const HELD_PER_JOB = 8;
/** Failed record numbers named in the summary; more are counted. */
const NAMED_FAILURES = 20;

export interface EachRequest {
  specialist: string;
  instruction: string;
  records: RecordKind;
  jobs: number;
  /** `--json`: one JSON object per record. */
  json: boolean;
  /** Bytes one record may have (0 = no limit). */
  maxInput: number;
  timeoutSeconds: number | undefined;
  generation: Omit<MessageRequest, 'content'>;
}

/** How one record ended. */
interface RecordResult {
  input: string;
  status: 'success' | 'empty' | 'error' | 'cancelled';
  content: string;
  data?: unknown;
  error?: { code: ErrorCode; message: string };
}

export async function runEach(request: EachRequest, source: Source, out: SinkWriter, context: ExecContext): Promise<number> {
  return new EachRun(request, out, context).run(source);
}

class EachRun {
  private readonly results = new Map<number, RecordResult>();
  private readonly failures: number[] = [];
  private failedCount = 0;
  private nextToWrite = 1;
  private running = 0;
  private read = 0;
  /** Records whose output has been written. */
  private written = 0;
  /** Set when something happened while the run loop was not waiting. */
  private signalled = false;
  /** Stops every call: Ctrl-C, or the reader of the output went away. */
  private readonly stop = new AbortController();
  private writing: Promise<void> = Promise.resolve();
  private writeStatus: number | undefined;
  private wake: (() => void) | undefined;
  /** The first budget stop: no record starts after it (docs: later records are not started). */
  private budgetStop: AishError | undefined;
  /** Records finished, all the records once the input has ended, and what they cost (null once a price was unknown). */
  private finished = 0;
  private total: number | undefined;
  private cost: number | null = 0;
  /** Records read but not started yet (all jobs busy). */
  private readonly queue: { number: number; record: InputRecord }[] = [];
  /** Called when the run stops (Ctrl-C, the reader gone, the budget). */
  private onStop: (() => void) | undefined;
  /** The progress line on a terminal. */
  private readonly progress: RecordsProgress | undefined;

  constructor(
    private readonly request: EachRequest,
    private readonly out: SinkWriter,
    private readonly context: ExecContext,
  ) {
    this.progress = context.session.display?.records(request.specialist);
  }

  private get stopped(): boolean {
    return this.stop.signal.aborted || this.context.signal.aborted;
  }

  /** No record starts any more: stopped, or the budget was reached. */
  private get halted(): boolean {
    return this.stopped || this.budgetStop !== undefined;
  }

  /** Starts records read ahead while there is a free job. */
  private startQueued(): void {
    while (this.queue.length > 0 && this.running < this.request.jobs && !this.halted) {
      const next = this.queue.shift()!;
      this.start(next.number, next.record);
    }
  }

  async run(source: Source): Promise<number> {
    const { jobs } = this.request;
    const records = readRecords(source, this.context.stdin, this.request.records)[Symbol.asyncIterator]();
    let ended = false;
    const onCancel = (): void => this.stop.abort();
    this.context.signal.addEventListener('abort', onCancel, { once: true });
    this.stop.signal.addEventListener('abort', () => this.onStop?.(), { once: true });
    let reading: Promise<IteratorResult<InputRecord>> | undefined;
    try {
      for (;;) {
        this.startQueued();
        // Reading ahead (up to the records held) learns the total early, for the progress line.
        while (!ended && !this.halted && this.read - this.written < HELD_PER_JOB * jobs) {
          const pending = (reading ??= records.next());
          // A read of slow input (a pipe, `tail -f`) is not waited for once the run stops.
          // (One settling function at a time: a race with one long-lived promise would keep a reaction per record.)
          const next = await new Promise<IteratorResult<InputRecord> | 'stopped'>((resolve, reject) => {
            this.onStop = () => resolve('stopped');
            pending.then(resolve, reject);
          });
          this.onStop = undefined;
          if (next === 'stopped') break;
          reading = undefined;
          if (next.done) {
            ended = true;
            this.total = this.read;
            this.showProgress();
          } else {
            this.queue.push({ number: ++this.read, record: next.value });
            this.startQueued();
          }
        }
        if (this.running === 0 && ((ended && this.queue.length === 0) || this.halted)) break;
        if (!this.signalled) await new Promise<void>((resolve) => (this.wake = resolve));
        this.signalled = false;
      }
    } finally {
      this.context.signal.removeEventListener('abort', onCancel);
      // A read still waiting ends when its input does; the rest of the input is not read.
      if (!ended) void (reading ?? Promise.resolve()).then(() => records.return?.(undefined)).catch(() => {});
    }
    await this.writing;
    this.progress?.stop();
    await this.out.end();
    if (this.writeStatus !== undefined) return this.writeStatus;
    if (this.context.signal.aborted) return 130;
    if (this.budgetStop) {
      const { specialist } = this.request;
      const note = await budgetStopNote(this.budgetStop, specialist, this.context.session.budget);
      this.context.reporter.error(note ?? `aish: ${specialist}: ${this.budgetStop.message}`);
      return BUDGET_STATUS;
    }
    if (this.failedCount > 0) {
      const named = this.failures.join(', ') + (this.failedCount > this.failures.length ? ', …' : '');
      this.context.reporter.error(`aish: ${this.request.specialist}: ${this.failedCount} of ${this.read} records failed (${named})`);
      return 1;
    }
    return 0;
  }

  private start(number: number, record: InputRecord): void {
    this.running++;
    this.showProgress();
    void this.answer(number, record).then((result) => {
      this.running--;
      this.finished++;
      this.results.set(number, result);
      this.startQueued();
      this.showProgress();
      this.flush();
      this.notify();
    });
  }

  /** One record's call; never throws. */
  private async answer(number: number, record: InputRecord): Promise<RecordResult> {
    const { specialist, maxInput } = this.request;
    const input = record.text;
    if (record.invalid) return this.failed(number, input, new AishError('BAD_REQUEST', record.invalid));
    if (input === '') return { input, status: 'empty', content: '' };
    if (maxInput > 0 && Buffer.byteLength(input) > maxInput) {
      return this.failed(number, input, new AishError('PAYLOAD_TOO_LARGE', `the record is larger than the ${maxInput}-byte input limit, so nothing was sent`));
    }
    if (this.budgetStop) return { input, status: 'cancelled', content: '' };
    const message = composeMessage(this.request.instruction, input);
    const left = await this.context.session.budget?.left();
    const generation = left === undefined ? this.request.generation : { ...this.request.generation, max_cost: left };
    const started = Date.now();
    const { timeoutSeconds } = this.request;
    const linked = linkedSignal([this.stop.signal], timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000);
    const { signal } = linked;
    let content = '';
    let model: string | null = null;
    let answeredBy = specialist;
    let done: Extract<StreamEvent, { type: 'done' }> | undefined;
    let failure: AishError | undefined;
    try {
      for await (const event of this.context.specialists.stream(specialist, { content: message, ...generation }, signal)) {
        if (event.type === 'start') {
          model = event.model;
          answeredBy = event.specialist_id;
          if (isEchoModel(event.model)) echoNotice(this.context);
        } else if (event.type === 'content') content += event.data;
        else if (event.type === 'done') {
          done = event;
          this.context.session.budget?.spend(event.cost_usd ?? 0);
          this.cost = event.cost_usd === undefined || this.cost === null ? null : this.cost + event.cost_usd;
        } else if (event.type === 'tool.start') this.context.reporter.notice(toolCallNotice(event));
        else if (event.type === 'error') {
          failure = new AishError(event.code, event.message, event.details);
          break;
        }
      }
      if (!done && !failure) failure = this.interrupted(signal);
    } catch (error) {
      failure = signal.aborted ? this.interrupted(signal) : toAishError(error);
    } finally {
      linked.dispose();
    }
    const cancelled = failure?.code === 'CANCELLED';
    const { events, eventStage } = this.context;
    if (events && eventStage) {
      events.stageUsage(eventStage, { model, tokens_in: done?.tokens_used.input ?? null, tokens_out: done?.tokens_used.output ?? null, cached: done?.cached_from !== undefined });
    }
    await recordExchange(this.context, {
      started_at: started,
      specialist: answeredBy,
      model,
      message,
      answer: content.slice(0, LOG_ANSWER_LIMIT),
      tokens_in: done?.tokens_used.input ?? null,
      tokens_out: done?.tokens_used.output ?? null,
      duration_ms: Date.now() - started,
      status: done ? 'ok' : cancelled ? 'cancelled' : 'error',
      error_code: done || cancelled ? null : (failure?.code ?? null),
      session_id: null,
      cache_key: done?.cache_key !== undefined && content.length <= LOG_ANSWER_LIMIT ? done.cache_key : null,
      cached_from: done?.cached_from ?? null,
    });
    if (failure?.code === 'BUDGET_EXCEEDED') {
      this.budgetStop ??= failure;
      this.onStop?.();
      return { input, status: 'cancelled', content: '' };
    }
    if (failure) return cancelled ? { input, status: 'cancelled', content: '' } : this.failed(number, input, failure);
    return { input, status: 'success', content, ...(done?.data !== undefined && { data: done.data }) };
  }

  private interrupted(signal: AbortSignal): AishError {
    if (this.stop.signal.aborted) return new AishError('CANCELLED', 'cancelled');
    if (signal.aborted) return new AishError('TIMEOUT', `timed out after ${this.request.timeoutSeconds} s`);
    return new AishError('PROVIDER_ERROR', 'the answer ended before it was complete');
  }

  private failed(number: number, input: string, error: AishError): RecordResult {
    this.failedCount++;
    if (this.failures.length < NAMED_FAILURES) this.failures.push(number);
    this.progress?.clear();
    this.context.reporter.error(`aish: ${this.request.specialist}: record ${number}: ${error.message}`);
    return { input, status: 'error', content: '', error: { code: error.code, message: error.message } };
  }

  /** Writes the finished records that come next in order; a cancelled one ends the output there. */
  private flush(): void {
    const ready: string[] = [];
    for (let result = this.results.get(this.nextToWrite); result && result.status !== 'cancelled'; result = this.results.get(this.nextToWrite)) {
      ready.push(this.format(this.nextToWrite, result));
      this.results.delete(this.nextToWrite);
      this.nextToWrite++;
    }
    if (ready.length === 0) return;
    const text = ready.join('');
    this.writing = this.writing.then(async () => {
      if (this.writeStatus !== undefined) return;
      try {
        // The answers may go to the terminal the line is on.
        this.progress?.clear();
        await this.out.write(text);
        this.written += ready.length;
      } catch (error) {
        // Nobody reads on (`| head`), or the output failed: no more calls.
        this.writeStatus = error instanceof ReaderGone ? 0 : error instanceof WriteFailure ? reportWriteFailure(error, this.context) : 1;
        this.stop.abort();
      }
      this.notify();
    });
  }

  private showProgress(): void {
    this.progress?.set({ done: this.finished, ...(this.total !== undefined && { total: this.total }), failed: this.failedCount, running: this.running, costUsd: this.cost });
  }

  /** Wakes the run loop (or tells it not to wait, when it is busy reading). */
  private notify(): void {
    this.signalled = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** One output record: the answer without its trailing newlines and the separator, or a JSON line. */
  private format(number: number, result: RecordResult): string {
    if (this.request.json) {
      const line = {
        record: number,
        input: result.input,
        content: result.content,
        status: result.status === 'error' ? 'error' : 'success',
        ...(result.error && { error: result.error }),
        ...(result.data !== undefined && { data: result.data }),
      };
      return JSON.stringify(line) + '\n';
    }
    const separator = this.request.generation.schema ? '\n' : recordSeparator(this.request.records);
    return result.content.replace(/\n+$/, '') + separator;
  }
}
