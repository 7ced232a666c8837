/**
 * The events of one model call, with its fallbacks: `start`, `content`…, then `done` or
 * `error` (see `SpecialistService.answer`). A hand-written iterator rather than an async
 * generator: every part of every answer passes through here, and a generator costs several
 * promises and ticks per event. While a model streams, an event costs the model's own `next`
 * and one `then`; the rest (setting the call up, the end of each candidate's answer, the
 * `done` event) runs in async functions, in the order the generator it replaces kept.
 */
import { CALL_FINISHED, CallController, requestId, toAishError } from '../protocol/index.js';
import type { StreamEvent, TokensUsed, SpecialistDefinition } from '../protocol/index.js';
import type { CircuitBreaker, LanguageModel, ModelErrorPart, ModelPart, ModelRequest } from '../providers/index.js';
import type { CallBudget } from './budget.js';
import { toolStreamEvent, type ToolBox, type ToolEvent } from './tool-loop.js';

/** One specialist that may answer a call, with its model ready. */
export interface Candidate {
  specialist: SpecialistDefinition;
  reference: string;
  breaker: CircuitBreaker | undefined;
  model: LanguageModel;
}

/** A call, set up: who may answer, in order, and what the first of them is sent. */
export interface CallPlan {
  callable: Candidate[];
  first: Candidate;
  firstSent: ModelRequest;
  /** The first candidate's tools (opened already), undefined for none. */
  firstBox: ToolBox | undefined;
  budget: CallBudget | undefined;
  deadlineAt: number | undefined;
}

/** What the call needs from its service. */
export interface CallHost {
  /** The request for `answerer`. */
  sent(answerer: SpecialistDefinition): ModelRequest;
  toolBox(answerer: SpecialistDefinition): Promise<ToolBox | undefined> | undefined;
  /** Counts one tried candidate (performance, and the capability's when routed). */
  record(answerer: SpecialistDefinition, elapsedMs: number, success: boolean): Promise<void> | undefined;
  /** The fields a finished answer adds to `done` (a session's), its log row, its cost: the `done` event. */
  done(candidate: Candidate, sent: ModelRequest, box: ToolBox | undefined, content: string, tokens: TokensUsed, finishReason: string, started: number): StreamEvent | Promise<StreamEvent>;
  /** Whether the answer's text is kept (for `onDone` or a log). */
  keepsContent: boolean;
  /** Adds a stopped call's spending to the client's budget. */
  spend(usd: number): Promise<void> | undefined;
  /** The error when nobody answered: for the specialist asked, with each stand-in's failure. */
  nobodyAnswered(failed: Map<Candidate, ModelErrorPart>): Error;
}

const DONE: IteratorResult<StreamEvent> = Object.freeze({ done: true, value: undefined });

type Part = ModelPart | ToolEvent;

export class CallStream implements AsyncIterableIterator<StreamEvent> {
  private plan: CallPlan | undefined;
  /** While set, the first `next` sets the call up (a failure there is thrown, nothing started). */
  private begin: (() => Promise<CallPlan | AsyncIterable<StreamEvent>>) | undefined;
  /** A cached answer replayed instead of a call. */
  private replay: AsyncIterator<StreamEvent> | undefined;
  private index = 0;
  private started = false;
  private ended = false;
  /** After the event just handed out: clean up, then end. */
  private ending = false;
  /** The candidate's `start` was handed out, its model not called yet. */
  private opening = false;
  /** The part that came with a lazy `start`: handled on the next read. */
  private held: Exclude<Part, ModelErrorPart> | undefined;
  private parts: AsyncIterator<Part> | undefined;
  /** The candidates that failed before their first token (a Map only once one has). */
  private failed: Map<Candidate, ModelErrorPart> | undefined;
  // The candidate answering now.
  private candidate!: Candidate;
  private sent!: ModelRequest;
  private box: ToolBox | undefined;
  private start!: StreamEvent;
  private tried = 0;
  private tokens!: TokensUsed;
  private finishReason = 'stop';
  private finished = false;
  private failure: ModelErrorPart | undefined;
  private content = '';
  // Read per part: kept here, not looked up through the plan, the candidate and the host. With
  // a thousand streams each part finds its stream's objects out of the CPU's caches, and every
  // further object read costs a memory fetch.
  private answererId = '';
  private budget: CallBudget | undefined;
  private readonly keepsContent: boolean;
  /** The call's own controller, made only when needed (tools run, or the caller gave no signal). */
  private own: AbortController | undefined;
  private readonly onAbort = (): void => this.own!.abort();
  /** The caller's signal aborted: a flag its one listener sets, read per part (the signal's getter costs, per part of every stream). */
  private cancelled = false;
  private readonly onCancel = (): void => {
    this.cancelled = true;
  };

  constructor(
    begin: () => Promise<CallPlan | AsyncIterable<StreamEvent>>,
    private readonly asked: SpecialistDefinition,
    private readonly signal: AbortSignal | undefined,
    private readonly host: CallHost,
  ) {
    this.begin = begin;
    this.keepsContent = host.keepsContent;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<StreamEvent>> {
    if (this.parts !== undefined && this.held === undefined && !this.ending) return this.parts.next().then(this.onPart, this.onThrow);
    return this.advance();
  }

  async return(): Promise<IteratorResult<StreamEvent>> {
    if (this.ended) return DONE;
    if (this.begin) {
      // Never started: nothing to undo.
      this.begin = undefined;
      this.ended = true;
      return DONE;
    }
    if (this.replay) {
      this.ended = true;
      return (await this.replay.return?.()) ?? DONE;
    }
    await this.finish();
    return DONE;
  }

  private ownSignal(): AbortSignal {
    if (!this.own) {
      this.own = new CallController();
      if (this.signal?.aborted) this.own.abort();
      else this.signal?.addEventListener('abort', this.onAbort, { once: true });
    }
    return this.own.signal;
  }

  /** Ends the call: the model's stream closes if still open, the call's own controller (if any) is aborted. */
  private async finish(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const parts = this.parts;
    this.parts = undefined;
    this.signal?.removeEventListener('abort', this.onCancel);
    try {
      if (parts) await parts.return?.();
    } finally {
      if (this.own) {
        this.signal?.removeEventListener('abort', this.onAbort);
        this.own.abort(CALL_FINISHED);
      }
    }
  }

  /** An event that ends the call: it is handed out, and the call cleaned up on the next read. */
  private last(event: StreamEvent): IteratorResult<StreamEvent> {
    this.ending = true;
    return { done: false, value: event };
  }

  /** A failure once the call is set up: thrown before `start`, an `error` event after it. */
  private async fail(error: unknown): Promise<IteratorResult<StreamEvent>> {
    if (!this.started) {
      await this.finish();
      throw error;
    }
    const failure = toAishError(error);
    return this.last({ type: 'error', code: failure.code, message: failure.message });
  }

  private readonly onThrow = async (error: unknown): Promise<IteratorResult<StreamEvent>> => {
    // The stream threw: it is over, and not to be closed.
    this.parts = undefined;
    return this.fail(error);
  };

  private readonly onPart = (result: IteratorResult<Part>): IteratorResult<StreamEvent> | Promise<IteratorResult<StreamEvent>> => {
    if (result.done) {
      this.parts = undefined;
      return this.advance();
    }
    try {
      return this.handle(result.value);
    } catch (error) {
      return this.fail(error);
    }
  };

  /** One part of the model's answer, as the event it makes (reading on when it makes none). */
  private handle(part: Part): IteratorResult<StreamEvent> | Promise<IteratorResult<StreamEvent>> {
    if (this.cancelled) return this.finish().then(() => DONE);
    if (part.type === 'error') {
      this.failure = part;
      // Leaving the loop closes the model's stream before the candidate's end is looked at.
      const parts = this.parts!;
      this.parts = undefined;
      return Promise.resolve(parts.return?.()).then(
        () => this.advance(),
        (error: unknown) => this.fail(error),
      );
    }
    if (!this.started) {
      this.started = true;
      this.held = part;
      return { done: false, value: this.start };
    }
    return this.translate(part);
  }

  /** A part that is not an error, once `start` is out. */
  private translate(part: Exclude<Part, ModelErrorPart>): IteratorResult<StreamEvent> | Promise<IteratorResult<StreamEvent>> {
    switch (part.type) {
      case 'text-delta':
        if (this.budget?.passedBy(part.text)) return this.overBudget(this.budget);
        if (this.keepsContent) this.content += part.text;
        return { done: false, value: { type: 'content', data: part.text, specialist_id: this.answererId } };
      case 'usage':
        this.tokens.input = part.input;
        this.tokens.output = part.output;
        break;
      case 'finish':
        this.finishReason = part.reason;
        this.finished = true;
        break;
      case 'tool.start':
      case 'tool.done':
        return { done: false, value: toolStreamEvent(part, this.answererId) };
    }
    return this.next();
  }

  /** The answer went past what the call may spend: the model stops, the client's budget counts what it cost. */
  private async overBudget(budget: CallBudget): Promise<IteratorResult<StreamEvent>> {
    this.own?.abort(CALL_FINISHED);
    await this.host.spend(budget.spent);
    const stop = budget.stopped();
    return this.last({ type: 'error', code: stop.code, message: stop.message, ...(stop.details && { details: stop.details }) });
  }

  /**
   * Everything but handing on a model's parts. Promises are made only where something is
   * waited for (setting the call up, a session's `onDone`, closing a stream), not an async
   * function per step: a short answer is mostly these steps.
   */
  private advance(): Promise<IteratorResult<StreamEvent>> {
    if (this.ended) return Promise.resolve(DONE);
    if (this.ending) return this.finish().then(() => DONE);
    if (this.begin) return this.setUp();
    if (this.replay) return this.replayNext();
    const held = this.held;
    if (held !== undefined) {
      this.held = undefined;
      return this.settle(() => this.translate(held));
    }
    if (this.opening) {
      this.opening = false;
      return this.settle(() => this.open());
    }
    // The candidate's model ended its stream (or sent an error): how its answer ended.
    return this.settle(() => this.endOfCandidate());
  }

  /** A step of the call; what it throws (or rejects with) is the call's failure. */
  private settle(step: () => IteratorResult<StreamEvent> | Promise<IteratorResult<StreamEvent>>): Promise<IteratorResult<StreamEvent>> {
    try {
      const result = step();
      return result instanceof Promise ? result.catch(this.onFail) : Promise.resolve(result);
    } catch (error) {
      return this.fail(error);
    }
  }

  private readonly onFail = (error: unknown): Promise<IteratorResult<StreamEvent>> => this.fail(error);

  /** The first read: the call is set up (a failure is thrown as it is), then the first candidate goes. */
  private async setUp(): Promise<IteratorResult<StreamEvent>> {
    const begin = this.begin!;
    this.begin = undefined;
    let set: CallPlan | AsyncIterable<StreamEvent>;
    try {
      set = await begin();
    } catch (error) {
      this.ended = true;
      throw error;
    }
    if (Symbol.asyncIterator in set) {
      this.replay = set[Symbol.asyncIterator]();
      return this.replayNext();
    }
    this.plan = set;
    this.budget = set.budget;
    if (this.signal) {
      this.cancelled = this.signal.aborted;
      this.signal.addEventListener('abort', this.onCancel, { once: true });
    }
    return this.settle(() => this.nextCandidate());
  }

  private async replayNext(): Promise<IteratorResult<StreamEvent>> {
    const next = await this.replay!.next();
    if (next.done) this.ended = true;
    return next;
  }

  /** Moves on to the next candidate (or gives up): its `start` at once when nobody else could answer, then its model. */
  private nextCandidate(): IteratorResult<StreamEvent> | Promise<IteratorResult<StreamEvent>> {
    const plan = this.plan!;
    const candidate = plan.callable[this.index++];
    // Past the deadline nobody else can answer in time.
    if (candidate === undefined || (plan.deadlineAt !== undefined && this.failed !== undefined && Date.now() >= plan.deadlineAt)) {
      throw this.host.nobodyAnswered(this.failed ?? new Map());
    }
    const answerer = candidate.specialist;
    this.candidate = candidate;
    this.answererId = answerer.id;
    this.start = {
      type: 'start',
      specialist_id: answerer.id,
      request_id: requestId('req_'),
      model: candidate.reference,
      ...(answerer !== this.asked && { fallback_for: this.asked.id }),
    };
    if (plan.callable.length === 1) {
      this.started = true;
      this.opening = true;
      return { done: false, value: this.start };
    }
    return this.open();
  }

  /** Calls the candidate's model (through its tools when it has some) and reads its first part. */
  private open(): Promise<IteratorResult<StreamEvent>> {
    const plan = this.plan!;
    const candidate = this.candidate;
    this.tried = Date.now();
    this.tokens = { input: 0, output: 0 };
    this.finishReason = 'stop';
    this.finished = false;
    this.failure = undefined;
    this.content = '';
    if (candidate === plan.first) {
      this.sent = plan.firstSent;
      return this.call(plan.firstBox);
    }
    this.sent = this.host.sent(candidate.specialist);
    const opening = this.host.toolBox(candidate.specialist);
    return opening ? opening.then((box) => this.call(box)) : this.call(undefined);
  }

  private call(box: ToolBox | undefined): Promise<IteratorResult<StreamEvent>> {
    const candidate = this.candidate;
    this.box = box;
    const parts: AsyncIterable<Part> = box ? box.answer(candidate.model, this.sent, candidate.specialist.id, this.ownSignal()) : candidate.model.stream(this.sent, this.signal ?? this.ownSignal());
    this.parts = parts[Symbol.asyncIterator]();
    return this.parts.next().then(this.onPart, this.onThrow);
  }

  /** How the candidate's answer ended: the call's last event, or on to the next candidate. */
  private endOfCandidate(): IteratorResult<StreamEvent> | Promise<IteratorResult<StreamEvent>> {
    if (this.signal?.aborted) return this.finish().then(() => DONE);
    const candidate = this.candidate;
    const failure = this.failure ?? (this.finished ? undefined : { type: 'error', code: 'INTERNAL', message: `${candidate.reference} ended its answer without finishing it` });
    const recorded = this.host.record(candidate.specialist, Date.now() - this.tried, failure === undefined);
    return recorded ? recorded.then(() => this.concluded(failure)) : this.concluded(failure);
  }

  private concluded(failure: ModelErrorPart | undefined): IteratorResult<StreamEvent> | Promise<IteratorResult<StreamEvent>> {
    if (failure && this.started) return this.last({ type: 'error', code: failure.code, message: failure.message });
    if (failure) {
      (this.failed ??= new Map()).set(this.candidate, failure);
      return this.nextCandidate();
    }
    const done = this.host.done(this.candidate, this.sent, this.box, this.content, this.tokens, this.finishReason, this.tried);
    return done instanceof Promise ? done.then((event) => this.last(event)) : this.last(done);
  }
}
