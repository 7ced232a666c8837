/**
 * The one wrapper around `LanguageModel.stream` that every provider call goes
 * through: a circuit breaker, timeouts (first token, idle gap, the caller's
 * deadline) and retries with backoff. Providers do not re-implement any of it.
 *
 * Retries happen only before the first text or tool call went out: once the
 * caller has part of an answer (and may already be running a tool it asked
 * for), sending the request again would repeat it, so a later failure is
 * reported, never retried.
 */
import { CALL_FINISHED, CallController } from '../../protocol/index.js';
import type { LanguageModel, ModelErrorPart, ModelPart, ModelRequest } from '../provider.js';
import type { CircuitBreaker, BreakerPermit } from './breaker.js';
import type { ResolvedLimits } from './limits.js';
import { sleep } from '../../protocol/index.js';
import { decideRetry, type RetryDecision } from './retry.js';
import { seconds, timeoutPart, Watchdog } from './timeouts.js';

/** The caller's deadline: when the whole call must have ended, and how long it was given (for the message). */
export interface Deadline {
  /** Epoch milliseconds. */
  at: number;
  totalMs: number;
}

/** One retry about to happen (for logs and tests). */
export interface RetryNotice {
  /** The attempt that failed, from 1. */
  attempt: number;
  delayMs: number;
  failure: ModelErrorPart;
}

export interface ResilienceOptions {
  limits: ResolvedLimits;
  /** The specialist's breaker for this model; without one, every call goes through. */
  breaker?: CircuitBreaker;
  deadline?: Deadline;
  onRetry?: (notice: RetryNotice) => void;
  /** For tests: the jitter's random numbers. */
  random?: () => number;
}

/** `model` behind retries, timeouts and a breaker. */
export function withResilience(model: LanguageModel, options: ResilienceOptions): LanguageModel {
  return {
    reference: model.reference,
    stream: (request, signal) => new ResilientStream(model, request, signal, options),
  };
}

/** `openai` for `openai/gpt-4o-mini`, `echo` for `echo?tps=5`: the name messages use. */
export function providerName(reference: string): string {
  return reference.split(/[/?]/)[0] || reference;
}

const DONE: IteratorResult<ModelPart> = Object.freeze({ done: true, value: undefined });

/**
 * One resilient call, as a hand-written iterator rather than an async generator: every part of
 * every answer passes through here, and a generator layer costs several promises and ticks per
 * part. While an attempt streams, `next` is the attempt's own `next` and one `then`, handing on
 * the attempt's result object itself; everything else (the checks before the call, the end of
 * an attempt, retries, the final failure) runs in `advance`.
 *
 * It behaves as the generator it replaces did: a part that ends the call (a timeout, a final
 * failure) is handed on first and the call is cleaned up (breaker permit, deadline, signal
 * listener) when it is read past or left with `return`.
 */
class ResilientStream implements AsyncIterableIterator<ModelPart> {
  private readonly provider: string;
  /** The attempt whose parts are being handed on, until it ends and `advance` takes over. */
  private tried: Attempt | undefined;
  private attempt = 0;
  /** The checks before the first attempt are done. */
  private begun = false;
  /** A part that ends the call was handed on: the next read cleans up and ends. */
  private ending = false;
  private ended = false;
  private permit: BreakerPermit | undefined;
  private outcome: keyof BreakerPermit = 'release';
  /** With a deadline: aborted by the caller or at the deadline. Without one, the caller's signal is the call's. */
  private call: AbortController | undefined;
  private callSignal: AbortSignal;
  private deadlineWatch: Watchdog | undefined;
  private readonly onAbort = (): void => this.call!.abort();

  constructor(
    private readonly model: LanguageModel,
    private readonly request: ModelRequest,
    private readonly signal: AbortSignal,
    private readonly options: ResilienceOptions,
  ) {
    this.provider = providerName(model.reference);
    this.callSignal = signal;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ModelPart>> {
    const tried = this.tried;
    if (tried === undefined || tried.result !== undefined) return this.advance();
    // A slow reader (a pipe, a socket) is not a silent provider: its time did not count as idle.
    tried.resume();
    return this.read(tried);
  }

  /** Leaving early: the attempt closes (its HTTP request with it), then the call is cleaned up. */
  async return(): Promise<IteratorResult<ModelPart>> {
    if (this.ended) return DONE;
    if (!this.begun) {
      this.ended = true;
      return DONE;
    }
    await this.stop();
    return DONE;
  }

  private read(tried: Attempt): Promise<IteratorResult<ModelPart>> {
    return tried.parts.next().then(this.onNext, this.onThrow);
  }

  private readonly onNext = (next: IteratorResult<ModelPart>): IteratorResult<ModelPart> | Promise<IteratorResult<ModelPart>> => {
    const tried = this.tried!;
    if (tried.take(next) === undefined) return this.advance();
    tried.pause();
    return next;
  };

  /** Something threw (the model's stream, its close): the attempt closes and the call is cleaned up before the error goes on. */
  private readonly onThrow = async (error: unknown): Promise<never> => {
    await this.stop();
    throw error;
  };

  /** Closes the running attempt, if any, and cleans up the call (once). */
  private async stop(): Promise<void> {
    const tried = this.tried;
    this.tried = undefined;
    try {
      if (tried) await tried.close();
    } finally {
      this.cleanUp();
    }
  }

  private cleanUp(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.call) {
      this.deadlineWatch!.disarm();
      this.signal.removeEventListener('abort', this.onAbort);
      this.call.abort(CALL_FINISHED);
    }
    this.permit?.[this.outcome]();
  }

  /** A part that ends the call; the call is cleaned up on the next read. */
  private last(part: ModelPart): IteratorResult<ModelPart> {
    this.ending = true;
    return { done: false, value: part };
  }

  /**
   * Everything but handing on an attempt's parts: the checks first, the end of each attempt,
   * retries. Promises are made only where something is waited for (an attempt's close, a
   * retry's delay), not an async function per step.
   */
  private advance(): Promise<IteratorResult<ModelPart>> {
    if (this.ended) return Promise.resolve(DONE);
    if (this.ending) {
      this.cleanUp();
      return Promise.resolve(DONE);
    }
    if (!this.begun) {
      this.begun = true;
      const early = this.setUp();
      return early ? Promise.resolve(early) : this.nextAttempt();
    }
    // The attempt ended: its parts are all handed on.
    const tried = this.tried!;
    this.tried = undefined;
    return tried.close().then(() => {
      try {
        return this.afterAttempt(tried.result!);
      } catch (error) {
        return this.onThrow(error);
      }
    }, this.onThrow);
  }

  /** The checks before the first attempt: a part when they end the call, else undefined. */
  private setUp(): IteratorResult<ModelPart> | undefined {
    const { deadline } = this.options;
    if (this.signal.aborted) {
      this.ended = true;
      return DONE;
    }
    if (deadline && Date.now() >= deadline.at) return this.last(timeoutPart('total', this.provider, deadline.totalMs));
    this.permit = this.options.breaker?.acquire();
    if (this.options.breaker && !this.permit) return this.last(unavailablePart(this.request.caller, this.options.breaker));
    if (deadline) {
      this.call = new CallController();
      this.callSignal = this.call.signal;
      this.deadlineWatch = new Watchdog(this.call);
      this.deadlineWatch.arm(Math.max(1, deadline.at - Date.now()), 'total');
      this.signal.addEventListener('abort', this.onAbort, { once: true });
    }
    return undefined;
  }

  private nextAttempt(): Promise<IteratorResult<ModelPart>> {
    this.attempt++;
    try {
      this.tried = new Attempt(this.model, this.request, this.callSignal, this.options.limits);
    } catch (error) {
      return this.onThrow(error);
    }
    return this.read(this.tried);
  }

  /** What follows an ended attempt: the end of the call (a last part, or nothing), or the next attempt. */
  private afterAttempt(result: AttemptResult): IteratorResult<ModelPart> | Promise<IteratorResult<ModelPart>> {
    const { limits, deadline } = this.options;
    const { signal, deadlineWatch } = this;
    if (result.kind === 'finished') {
      this.outcome = 'success';
      this.cleanUp();
      return DONE;
    }
    if (signal.aborted) {
      this.cleanUp();
      return DONE;
    }
    if (deadlineWatch?.fired) return this.last(timeoutPart('total', this.provider, deadline!.totalMs));
    const failure = result.failure;
    if (result.kind === 'failed-after-text') {
      this.outcome = failure.retryable === true ? 'failure' : 'success';
      return this.last(cutShort(failure));
    }
    const decision = decideRetry(failure, this.attempt, limits, deadline && deadline.at - Date.now(), this.options.random);
    if (!decision.retry) {
      this.outcome = failure.retryable === true ? 'failure' : 'success';
      return this.last(finalFailure(failure, this.attempt, decision, deadline));
    }
    this.options.onRetry?.({ attempt: this.attempt, delayMs: decision.delayMs, failure });
    return sleep(decision.delayMs, this.callSignal).then(() => {
      if (signal.aborted) {
        this.cleanUp();
        return DONE;
      }
      if (deadlineWatch?.fired) return this.last(timeoutPart('total', this.provider, deadline!.totalMs));
      return this.nextAttempt();
    }, this.onThrow);
  }
}

type AttemptResult = { kind: 'finished' } | { kind: 'failed-before-text' | 'failed-after-text'; failure: ModelErrorPart };

/**
 * One request to the model, read part by part: the caller awaits `parts`
 * and hands each result to `take`, which gives the part to pass on, or
 * undefined at the end, with `result` saying how the attempt ended. A
 * failure is kept in `result`, not passed on, so the caller can decide to
 * retry. (Not a generator, nor an async `next`: every part of an answer goes
 * through here, and each layer of promises costs.)
 *
 * It is its own first-token and idle watchdog, paused while the caller handles a part and
 * resumed when it reads on, rather than holding one: both are touched for every part, and with
 * a thousand streams each further object is a memory fetch out of the CPU's caches.
 */
class Attempt extends Watchdog {
  result: AttemptResult | undefined;
  readonly parts: AsyncIterator<ModelPart>;
  private readonly onAbort = (): void => this.controller.abort();
  private wroteText = false;
  private gotPart = false;

  constructor(
    private readonly model: LanguageModel,
    request: ModelRequest,
    private readonly callSignal: AbortSignal,
    private readonly limits: ResolvedLimits,
  ) {
    super(new CallController());
    callSignal.addEventListener('abort', this.onAbort, { once: true });
    if (callSignal.aborted) this.controller.abort();
    this.arm(limits.firstTokenTimeoutMs, 'first-token');
    this.parts = model.stream(request, this.controller.signal)[Symbol.asyncIterator]();
  }

  /** The part to pass on from what `parts.next()` gave, or undefined once the attempt has ended. */
  take(next: IteratorResult<ModelPart>): ModelPart | undefined {
    if (next.done) {
      this.result = this.failed(this.why());
      return undefined;
    }
    const part = next.value;
    if (part.type === 'error') {
      this.result = this.failed(part);
      return undefined;
    }
    if (!this.gotPart) {
      this.gotPart = true;
      this.arm(this.limits.idleTimeoutMs, 'idle');
    }
    // A tool call is output as much as text is: the caller may already be running it.
    if (part.type === 'text-delta' || part.type === 'tool-call') this.wroteText = true;
    if (part.type === 'finish') this.result = { kind: 'finished' };
    return part;
  }

  /** Ends the attempt: its HTTP request closes (also when the caller left early). */
  close(): Promise<unknown> {
    this.disarm();
    this.callSignal.removeEventListener('abort', this.onAbort);
    this.controller.abort(CALL_FINISHED);
    return Promise.resolve(this.parts.return?.());
  }

  /** Why a stream ended with no finish part: one of our timeouts, the call's signal, or a broken adapter. */
  private why(): ModelErrorPart {
    const provider = providerName(this.model.reference);
    const fired = this.fired;
    if (fired) return timeoutPart(fired, provider, fired === 'first-token' ? this.limits.firstTokenTimeoutMs : this.limits.idleTimeoutMs);
    if (this.callSignal.aborted) return cancelledPart();
    return { type: 'error', code: 'INTERNAL', message: `the ${provider} stream ended without a finish part` };
  }

  private failed(failure: ModelErrorPart): AttemptResult {
    return { kind: this.wroteText ? 'failed-after-text' : 'failed-before-text', failure };
  }
}

function cancelledPart(): ModelErrorPart {
  return { type: 'error', code: 'CANCELLED', message: 'cancelled' };
}

/**
 * A failure after part of the answer went out: reported as the provider
 * failing mid-answer (PROVIDER_ERROR, exit 1), whatever the provider's reason,
 * and never to be retried. Timeouts keep their code.
 */
function cutShort(failure: ModelErrorPart): ModelErrorPart {
  const code = failure.code === 'PROVIDER_UNAVAILABLE' ? 'PROVIDER_ERROR' : failure.code;
  return { ...failure, code, message: `${failure.message}; the answer is incomplete`, retryable: false };
}

/** The failure the caller sees when no more attempts are made. */
function finalFailure(failure: ModelErrorPart, attempt: number, decision: Extract<RetryDecision, { retry: false }>, deadline: Deadline | undefined): ModelErrorPart {
  const tries = attempt > 1 ? ` (after ${attempt} attempts)` : '';
  if (decision.reason === 'deadline' && failure.retryAfterSeconds !== undefined && deadline) {
    // A Retry-After that would outlast --timeout is a timeout (exit 5).
    return {
      ...failure,
      code: 'TIMEOUT',
      message: `${failure.message}${tries}; waiting ${failure.retryAfterSeconds} s to retry would outlast the ${seconds(deadline.totalMs)} s timeout`,
      retryable: false,
    };
  }
  return { ...failure, message: `${failure.message}${tries}` };
}

function unavailablePart(caller: string, breaker: CircuitBreaker): ModelErrorPart {
  return { type: 'error', code: 'PROVIDER_UNAVAILABLE', message: unavailableMessage(caller, breaker), retryable: false };
}

/** Why a call to `specialist` is refused while its breaker is open, and when it will be tried again. */
export function unavailableMessage(specialist: string, breaker: CircuitBreaker): string {
  const wait = Math.ceil(breaker.retryInMs / 1000);
  return `${specialist} is unavailable: its last ${breaker.failureCount} calls failed${wait > 0 ? `; aish tries it again in ${wait} s` : ''}`;
}
