/**
 * `aish --events`: the run as newline-delimited JSON events on stdout, for
 * editors, CI and other programs (docs/schemas-and-events.md). Nothing else
 * goes to stdout: what the run would have written there is a `stdout` event,
 * notices and errors are `notice` and `error` events. Every event has `type`
 * and `time`; the process exits with `run.done`'s status.
 */
import { StringDecoder } from 'node:string_decoder';
import { costOf, type PriceTable } from '../config/prices.js';
import { SharedOutput, type EventStageKind, type RunEvents, type StageCall, type StageRef } from '../exec/index.js';

/** What a stage's AI calls cost so far. */
interface StageUsage {
  tokens_in: number;
  tokens_out: number;
  /** Null once a call had no known price. */
  cost_usd: number | null;
  calls: number;
  /** Every call of the stage was answered from the cache. */
  cached: boolean;
}

export class EventStream implements RunEvents {
  private pipelines = 0;
  private readonly usage = new Map<string, StageUsage>();
  /** The run's cost so far; null once a call had no known price. */
  private cost: number | null = 0;
  /** What the run writes to stdout, as `stdout` events. */
  readonly stdout: SharedOutput;

  constructor(
    private readonly write: (line: string) => void,
    private readonly prices: PriceTable,
    /** The model each specialist answers with (for `stage.start`). */
    private readonly models: ReadonlyMap<string, string>,
  ) {
    // Shared: every pipeline of the run writes here in turn, and none of them ends it.
    this.stdout = new SharedOutput((chunk) => {
      const text = this.decoder.write(chunk);
      if (text !== '') this.emit('stdout', { text });
    });
  }

  private readonly decoder = new StringDecoder('utf8');

  /** `run.start`: the `-c` line, or the script's name. */
  start(what: { line: string } | { script: string }): void {
    this.emit('run.start', what);
  }

  nextPipeline(): number {
    return this.pipelines++;
  }

  stageStart(ref: StageRef, fields: { kind: EventStageKind; specialist?: string; model?: string }): void {
    const model = fields.model ?? (fields.specialist !== undefined ? this.models.get(fields.specialist) : undefined);
    this.emit('stage.start', { pipeline: ref.pipeline, stage: ref.stage, kind: fields.kind, ...(fields.specialist !== undefined && { specialist: fields.specialist }), ...(model !== undefined && { model }) });
  }

  stageDelta(ref: StageRef, text: string): void {
    this.emit('stage.delta', { pipeline: ref.pipeline, stage: ref.stage, ...(ref.branch !== undefined && { branch: ref.branch }), text });
  }

  stageUsage(ref: StageRef, call: StageCall): void {
    const key = `${ref.pipeline}:${ref.stage}`;
    const usage = this.usage.get(key) ?? { tokens_in: 0, tokens_out: 0, cost_usd: 0, calls: 0, cached: true };
    usage.calls++;
    usage.cached &&= call.cached;
    usage.tokens_in += call.tokens_in ?? 0;
    usage.tokens_out += call.tokens_out ?? 0;
    // A cached answer cost nothing.
    const cost = call.cached ? 0 : costOf(call.model, call.tokens_in, call.tokens_out, this.prices);
    usage.cost_usd = cost === undefined || usage.cost_usd === null ? null : round(usage.cost_usd + cost);
    this.cost = cost === undefined || this.cost === null ? null : round(this.cost + cost);
    this.usage.set(key, usage);
  }

  stageDone(ref: StageRef, status: number): void {
    const usage = this.usage.get(`${ref.pipeline}:${ref.stage}`);
    const spent = usage ? { tokens_in: usage.tokens_in, tokens_out: usage.tokens_out, cost_usd: usage.cost_usd, cached: usage.cached } : {};
    this.emit('stage.done', { pipeline: ref.pipeline, stage: ref.stage, status, ...spent });
  }

  notice(message: string): void {
    this.emit('notice', { message });
  }

  error(message: string): void {
    this.emit('error', { message });
  }

  /** `run.done`; returns the status for the process to exit with. */
  done(status: number): number {
    const rest = this.decoder.end();
    if (rest !== '') this.emit('stdout', { text: rest });
    this.emit('run.done', { status, cost_usd: this.cost });
    return status;
  }

  private emit(type: string, fields: Record<string, unknown>): void {
    this.write(JSON.stringify({ type, time: new Date().toISOString(), ...fields }) + '\n');
  }
}

/** Twelve significant digits, as the exchange log keeps costs. */
function round(value: number): number {
  return Number(value.toPrecision(12));
}
