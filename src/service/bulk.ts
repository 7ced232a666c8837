/**
 * The bulk dependency-graph runner (docs/protocol.md, Bulk). Failure rules:
 * - an operation that fails marks its dependants, transitively, `skipped`;
 *   operations that do not depend on it still run;
 * - the whole-request timeout cancels what is running and what has not
 *   started: each gets `error: {code: TIMEOUT}`;
 * - the caller's signal (a client that went away) cancels everything the
 *   same way, with `CANCELLED`.
 */
import { AishError, collectAnswer, DEFAULT_ROUTE_THRESHOLD, requestId, toAishError, type BulkOperationResult, type BulkRequest, type BulkResponse, type ErrorCode, type TokensUsed } from '../protocol/index.js';
import { checkGraph, substitute, type BulkGraph } from './bulk-graph.js';
import type { SpecialistService } from './service.js';

export { checkGraph, parseBulkRequest, substitute, MAX_OPERATIONS, type BulkGraph } from './bulk-graph.js';

/** How a run is bounded beyond the request's own fields. */
export interface BulkOptions {
  /**
   * Largest message, in UTF-8 bytes, that `{op}` substitution may build (the
   * server's body limit; default 1 MiB). Chained `{prev}{prev}` would
   * otherwise double the text at every step.
   */
  maxMessageBytes?: number;
}

const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;


/** What happens while a bulk request runs, in order; the SSE event names are the `type`s. */
export type BulkEvent =
  | { type: 'op.start'; op_id: string; ai: string }
  | { type: 'op.content'; op_id: string; data: string }
  | { type: 'op.done'; op_id: string; response: string; tokens_used: TokensUsed; execution_time: number; data?: unknown }
  | { type: 'op.error'; op_id: string; error: { code: ErrorCode; message: string } }
  | { type: 'op.skipped'; op_id: string }
  | { type: 'done'; result: BulkResponse };

type OperationEvent = Exclude<BulkEvent, { type: 'done' }>;

/**
 * Runs a bulk request. The graph is checked first (`INVALID_GRAPH`, nothing
 * runs); after that the promise always resolves, failures being results.
 * `onEvent` sees every operation event as it happens.
 */
export async function runBulk(
  service: SpecialistService,
  request: BulkRequest,
  signal?: AbortSignal,
  onEvent?: (event: OperationEvent) => void,
  options: BulkOptions = {},
): Promise<BulkResponse> {
  return new BulkRun(service, request, checkGraph(request.operations), options, onEvent).run(signal);
}

/**
 * A bulk request as events: the operation events, then `done` with the whole
 * answer. The graph is checked before this returns, so an invalid graph
 * throws here (a plain HTTP 400) rather than inside the stream. Leaving the
 * loop early cancels the run.
 */
export function streamBulk(service: SpecialistService, request: BulkRequest, signal?: AbortSignal, options: BulkOptions = {}): AsyncIterable<BulkEvent> {
  const graph = checkGraph(request.operations);
  return {
    [Symbol.asyncIterator]: () => bulkEvents(new BulkRun(service, request, graph, options), signal),
  };
}

async function* bulkEvents(run: BulkRun, signal: AbortSignal | undefined): AsyncGenerator<BulkEvent> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  if (signal?.aborted) controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const queue: BulkEvent[] = [];
  let wake: (() => void) | undefined;
  const push = (event: BulkEvent): void => {
    queue.push(event);
    wake?.();
  };
  run.onEvent = push;
  const finished = run.run(controller.signal).then((result) => push({ type: 'done', result }));
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const event = queue.shift()!;
      yield event;
      if (event.type === 'done') break;
    }
    await finished;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    controller.abort();
  }
}

type State = 'pending' | 'running' | BulkOperationResult['status'];

/** One run of one request: the scheduler's state. */
class BulkRun {
  private readonly states: State[];
  private readonly results: (BulkOperationResult | undefined)[];
  private readonly responses = new Map<string, string>();
  /** Operations whose dependencies all succeeded, in request order. */
  private readonly ready: number[] = [];
  private readonly waitingOn: number[];
  private readonly startedAt: number[];
  /** The specialist each operation went to, once chosen (the requested `ai` before). */
  private readonly answeredBy: string[];
  private readonly controller = new AbortController();
  private readonly limit: number;
  private running = 0;
  private settled = 0;
  private finish: (() => void) | undefined;

  constructor(
    private readonly service: SpecialistService,
    private readonly request: BulkRequest,
    private readonly graph: BulkGraph,
    private readonly options: BulkOptions,
    public onEvent?: (event: OperationEvent) => void,
  ) {
    this.states = graph.operations.map(() => 'pending');
    this.results = graph.operations.map(() => undefined);
    this.waitingOn = graph.dependencies.map((list) => list.length);
    this.startedAt = graph.operations.map(() => 0);
    this.answeredBy = graph.operations.map((operation) => operation.ai);
    this.limit = request.execution === 'sequential' ? 1 : (request.max_parallel ?? 20);
    this.waitingOn.forEach((count, index) => count === 0 && this.ready.push(index));
  }

  async run(signal?: AbortSignal): Promise<BulkResponse> {
    const started = Date.now();
    const timeoutSeconds = this.request.timeout ?? 60;
    const timer = setTimeout(() => this.stop('TIMEOUT', `the bulk request timed out after ${timeoutSeconds} s`), timeoutSeconds * 1000);
    const onAbort = (): void => this.stop('CANCELLED', 'the bulk request was cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const done = new Promise<void>((resolve) => (this.finish = resolve));
      if (signal?.aborted) onAbort();
      else this.schedule();
      await done;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // Anything still unwinding (a provider slow to notice) is told to stop.
      this.controller.abort();
    }
    return this.answer(seconds(Date.now() - started));
  }

  /** Starts ready operations, in request order, while there is room. */
  private schedule(): void {
    while (this.running < this.limit && this.ready.length > 0 && !this.controller.signal.aborted) {
      const index = this.ready.shift()!;
      this.states[index] = 'running';
      this.running++;
      void this.execute(index);
    }
  }

  private async execute(index: number): Promise<void> {
    const operation = this.graph.operations[index]!;
    const started = Date.now();
    this.startedAt[index] = started;
    let ai = operation.ai;
    let response = '';
    let data: unknown;
    const tokens: TokensUsed = { input: 0, output: 0 };
    let failure: AishError | undefined;
    try {
      ai = await this.specialistFor(operation.ai);
      if (this.states[index] !== 'running') return;
      this.answeredBy[index] = ai;
      const content = substitute(operation.message, this.responses, this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
      this.emit({ type: 'op.start', op_id: operation.id, ai });
      const typed = operation.schema ? { schema: operation.schema, ...(operation.schema_multi && { schema_multi: true }) } : {};
      const answer = await collectAnswer(this.service.stream(ai, { content, ...typed }, this.controller.signal), {
        onContent: (data) => {
          // Stopped by the timeout or the caller: leaving the stream stops the model call.
          if (this.states[index] !== 'running') throw new AishError('CANCELLED', 'the operation was stopped');
          this.emit({ type: 'op.content', op_id: operation.id, data });
        },
      });
      response = answer.content;
      data = answer.done.data;
      tokens.input = answer.done.tokens_used.input;
      tokens.output = answer.done.tokens_used.output;
    } catch (error) {
      failure = toAishError(error);
    }
    // Stopped by the timeout or the caller: its result is already written.
    if (this.states[index] !== 'running') return;
    this.running--;
    const time = seconds(Date.now() - started);
    if (failure) {
      this.fail(index, ai, failure.code, failure.message, time);
      this.skipDependants(index);
    } else {
      this.succeed(index, ai, response, tokens, time, data);
    }
    this.schedule();
    this.checkFinished();
  }

  private async specialistFor(ai: string): Promise<string> {
    if (ai.startsWith('@')) return (await this.service.best(ai.slice(1), DEFAULT_ROUTE_THRESHOLD)).best_match.id;
    return this.service.specialist(ai).id;
  }

  private succeed(index: number, ai: string, response: string, tokens: TokensUsed, time: number, data: unknown): void {
    const id = this.graph.operations[index]!.id;
    this.responses.set(id, response);
    const typed = data === undefined ? {} : { data };
    this.settle(index, { status: 'success', response, ai, execution_time: time, tokens_used: tokens, ...typed });
    this.emit({ type: 'op.done', op_id: id, response, tokens_used: tokens, execution_time: time, ...typed });
    for (const dependant of this.graph.dependants[index]!) {
      if (--this.waitingOn[dependant]! === 0 && this.states[dependant] === 'pending') this.enqueue(dependant);
    }
  }

  private fail(index: number, ai: string, code: ErrorCode, message: string, time: number): void {
    const error = { code, message };
    this.settle(index, { status: 'error', error, ai, execution_time: time, tokens_used: { input: 0, output: 0 } });
    this.emit({ type: 'op.error', op_id: this.graph.operations[index]!.id, error });
  }

  /** Every operation that depends on `index`, directly or not, and has not run: `skipped`. */
  private skipDependants(index: number): void {
    const stack = [...this.graph.dependants[index]!];
    while (stack.length > 0) {
      const dependant = stack.pop()!;
      if (this.states[dependant] !== 'pending') continue;
      const operation = this.graph.operations[dependant]!;
      this.settle(dependant, { status: 'skipped', ai: operation.ai, execution_time: 0, tokens_used: { input: 0, output: 0 } });
      this.emit({ type: 'op.skipped', op_id: operation.id });
      stack.push(...this.graph.dependants[dependant]!);
    }
  }

  /** The timeout or the caller: whatever has not finished fails with `code`, and the run ends now. */
  private stop(code: ErrorCode, message: string): void {
    if (this.controller.signal.aborted) return;
    this.controller.abort();
    const now = Date.now();
    this.states.forEach((state, index) => {
      const time = state === 'running' ? seconds(now - this.startedAt[index]!) : 0;
      if (state === 'pending' || state === 'running') this.fail(index, this.answeredBy[index]!, code, message, time);
    });
    this.running = 0;
    this.ready.length = 0;
    this.checkFinished();
  }

  private settle(index: number, result: BulkOperationResult): void {
    this.states[index] = result.status;
    this.results[index] = result;
    this.settled++;
  }

  private enqueue(index: number): void {
    // Request order, so `sequential` runs operations in the order given.
    let position = this.ready.length;
    while (position > 0 && this.ready[position - 1]! > index) position--;
    this.ready.splice(position, 0, index);
  }

  private checkFinished(): void {
    if (this.settled === this.graph.operations.length) this.finish?.();
  }

  private emit(event: OperationEvent): void {
    this.onEvent?.(event);
  }

  private answer(executionTime: number): BulkResponse {
    // No prototype: an operation may be called `__proto__` or `constructor`.
    const results: Record<string, BulkOperationResult> = Object.create(null);
    const total: TokensUsed = { input: 0, output: 0 };
    let successes = 0;
    this.graph.operations.forEach((operation, index) => {
      const result = this.results[index]!;
      results[operation.id] = result;
      total.input += result.tokens_used.input;
      total.output += result.tokens_used.output;
      if (result.status === 'success') successes++;
    });
    const status = successes === this.graph.operations.length ? 'completed' : successes === 0 ? 'failed' : 'partial';
    return { request_id: requestId('bulk_'), status, execution_time: executionTime, results, total_tokens: total };
  }
}

function seconds(milliseconds: number): number {
  return Math.round(milliseconds) / 1000;
}
