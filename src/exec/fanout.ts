/**
 * Fan-out: every branch gets the same input and runs concurrently; the output
 * is each branch's answer under `── LABEL ──`, in the order written whatever
 * order they finish in (docs/language.md "Fan-out, routing and team chat"). The first unfinished branch streams
 * live; the others are held until their turn.
 */
import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';
import { parseAiArgs, type FanoutStep, type PipelinePlan } from '../plan/index.js';
import type { BranchProgress, ExecContext } from './context.js';
import { answerDisplay } from './answer-writer.js';
import { readStageInput } from './stage-input.js';
import { PIPELINE_EXCHANGES_KEPT, type Exchange } from './exchange.js';
import { ReaderGone, SinkWriter, type Sink, type Source } from './streams.js';
import { exitStatusFor } from '../protocol/index.js';

const SCHEMA_MISMATCH_STATUS = exitStatusFor('SCHEMA_MISMATCH');

/** Runs one branch's pipeline (provided by pipeline.ts, to avoid an import cycle). */
export type BranchRunner = (pipeline: PipelinePlan, io: BranchIo, context: ExecContext) => Promise<number>;

export interface BranchIo {
  source: Source;
  stdout: Sink;
  stderr: Sink;
  /** Called when an `@capability` branch has been routed, to relabel it `@cap→id`. */
  onRoute?: (label: string) => void;
}

export interface FanoutCall {
  step: FanoutStep;
  /** The fan-out's own expanded flags (`--json`). */
  args: string[];
  source: Source;
  stdout: Sink;
  stderr: Sink;
}

export async function runFanout(call: FanoutCall, context: ExecContext, runBranch: BranchRunner): Promise<number> {
  const json = call.args.includes('--json');
  // `--max-input` and `--binary` after the branches apply to the input they share.
  const flags = parseAiArgs(call.args);
  const input = await readStageInput(call.source, context, call.step.branches.map((branch) => branch.label).join(','), flags.ok ? flags.options : {});
  const source: Source = input === undefined ? { kind: 'none' } : { kind: 'text', text: input };
  const render = json || (flags.ok && flags.options.schema) ? undefined : answerDisplay(call.stdout, context.session);
  const out = new SinkWriter(call.stdout, () => call.stdout.kind === 'fd' && call.stdout.fd === 1 && context.session.stdoutClosed, render);
  const labels = call.step.branches.map((branch) => branch.label);
  const progress = context.session.display?.branches(labels) ?? NO_PROGRESS;
  // Typed answers (`--schema`) are JSON lines for `jq`: in order, without headers.
  const headed = !(flags.ok && flags.options.schema);
  const merger = new OrderedMerger(out, labels, json, {
    branchWrote: (index) => progress.set(index, 'streaming'),
    // stdout and stderr share the terminal: the progress lines go before any answer does.
    printing: () => progress.stop(),
  }, headed);
  // Each branch keeps its exchanges apart, added to the pipeline's in branch order at the end:
  // `--usage` lists them in the order the answers are shown, whichever finished first.
  const { pipeline } = context;
  const branchRecords = call.step.branches.map(() => (pipeline ? { commandLine: pipeline.commandLine, exchanges: [] as Exchange[] } : undefined));
  const statuses = await Promise.all(
    call.step.branches.map(async (branch, index) => {
      const io: BranchIo = {
        source,
        // The merger ends each answer's line itself (and keeps `--json` content as it came).
        stdout: { kind: 'stream', stream: merger.sinkFor(index), rawAnswer: true },
        stderr: call.stderr,
        onRoute: (label) => merger.relabel(index, label),
      };
      // `--events`: the branch's text is a delta of the fan-out's stage, with its branch number.
      const record = branchRecords[index];
      const branchContext = { ...context, ...(context.eventStage && { eventStage: { ...context.eventStage, branch: index } }), ...(record && { pipeline: record }) };
      const status = await runBranch(branch.pipeline, io, branchContext);
      progress.set(index, status === 0 ? 'done' : 'failed');
      await merger.finish(index, status);
      return status;
    }),
  );
  if (pipeline) {
    for (const record of branchRecords) pipeline.exchanges.push(...record!.exchanges.slice(0, Math.max(0, PIPELINE_EXCHANGES_KEPT - pipeline.exchanges.length)));
  }
  try {
    await merger.close();
  } catch (error) {
    if (!(error instanceof ReaderGone)) throw error;
  } finally {
    progress.stop();
    await out.end();
  }
  if (context.signal.aborted) return 130;
  const failures = statuses.filter((status) => status !== 0);
  if (failures.length === 0) return 0;
  // Only answers that did not match their schema: that status (6) says so.
  return failures.every((status) => status === SCHEMA_MISMATCH_STATUS) ? SCHEMA_MISMATCH_STATUS : 1;
}

/** No fan-out progress (no display). */
const NO_PROGRESS: BranchProgress = { set: () => {}, stop: () => {} };

/** What the merger tells the progress display. */
export interface MergerHooks {
  branchWrote?(index: number): void;
  /** The first answer text is about to be written. */
  printing?(): void;
}

interface BranchState {
  label: string;
  held: string;
  finished: boolean;
  status: number;
  headerWritten: boolean;
  wroteNewline: boolean;
}

/** Writes branch output in written order, holding later branches until their turn. */
export class OrderedMerger {
  private readonly branches: BranchState[];
  private current = 0;
  /** Every write goes through this chain, so output from concurrent branches never interleaves. */
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly out: SinkWriter,
    labels: string[],
    private readonly json: boolean,
    private readonly hooks: MergerHooks = {},
    /** False: no `── LABEL ──` line before each answer (typed answers). */
    private readonly headed = true,
  ) {
    this.branches = labels.map((label) => ({ label, held: '', finished: false, status: 0, headerWritten: false, wroteNewline: true }));
  }

  relabel(index: number, label: string): void {
    const branch = this.branches[index]!;
    if (!branch.headerWritten) branch.label = label;
  }

  sinkFor(index: number): Writable {
    const decoder = new StringDecoder('utf8');
    return new Writable({
      decodeStrings: false,
      write: (chunk: Buffer | string, _encoding, callback) => {
        const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
        this.enqueue(() => this.take(index, text)).then(() => callback(), callback);
      },
      final: (callback) => {
        const rest = decoder.end();
        this.enqueue(() => this.take(index, rest)).then(() => callback(), callback);
      },
    });
  }

  private enqueue(operation: () => Promise<void>): Promise<void> {
    const next = this.queue.then(() => (this.failure ? undefined : operation()));
    this.queue = next.catch((error) => {
      this.failure = error;
    });
    return this.queue;
  }

  private async take(index: number, text: string): Promise<void> {
    if (text === '') return;
    this.hooks.branchWrote?.(index);
    const branch = this.branches[index]!;
    if (this.json || index !== this.current) {
      branch.held += text;
      return;
    }
    await this.header(branch);
    await this.write(branch, text);
  }

  finish(index: number, status: number): Promise<void> {
    return this.enqueue(async () => {
      const branch = this.branches[index]!;
      branch.finished = true;
      branch.status = status;
      if (this.json) return;
      while (this.current < this.branches.length && this.branches[this.current]!.finished) {
        const done = this.branches[this.current]!;
        await this.header(done);
        await this.write(done, done.held);
        done.held = '';
        if (!done.wroteNewline) await this.write(done, '\n');
        this.current++;
        const next = this.branches[this.current];
        if (next && next.held !== '') {
          await this.header(next);
          await this.write(next, next.held);
          next.held = '';
        }
      }
    });
  }

  private async header(branch: BranchState): Promise<void> {
    if (branch.headerWritten) return;
    branch.headerWritten = true;
    this.hooks.printing?.();
    // Each answer is rendered on its own: a code block one left open ends at the next header.
    await this.out.flush();
    if (this.headed) await this.out.write(`── ${branch.label} ──\n`);
  }

  private async write(branch: BranchState, text: string): Promise<void> {
    if (text === '') return;
    await this.out.write(text);
    branch.wroteNewline = text.endsWith('\n');
  }

  /** Waits for every queued write; in JSON mode writes the one object keyed by label. */
  async close(): Promise<void> {
    await this.queue;
    if (this.failure) throw this.failure;
    if (!this.json) return;
    this.hooks.printing?.();
    const result: Record<string, { specialist: string; content: string; status: string; error?: string }> = {};
    const seen = new Map<string, number>();
    for (const branch of this.branches) {
      const count = (seen.get(branch.label) ?? 0) + 1;
      seen.set(branch.label, count);
      const key = count === 1 ? branch.label : `${branch.label}#${count}`;
      const specialist = branch.label.includes('→') ? branch.label.split('→')[1]! : branch.label;
      result[key] = { specialist, content: branch.held, status: branch.status === 0 ? 'success' : 'error' };
      if (branch.status !== 0) result[key].error = `exit status ${branch.status}`;
    }
    await this.out.write(JSON.stringify(result) + '\n');
  }
}
