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
import { CALL_FINISHED } from '../../protocol/index.js';
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
    stream: (request, signal) => resilientStream(model, request, signal, options),
  };
}

/** `openai` for `openai/gpt-4o-mini`, `echo` for `echo?tps=5`: the name messages use. */
export function providerName(reference: string): string {
  return reference.split(/[/?]/)[0] || reference;
}

async function* resilientStream(model: LanguageModel, request: ModelRequest, signal: AbortSignal, options: ResilienceOptions): AsyncGenerator<ModelPart> {
  if (signal.aborted) return;
  const { limits, deadline } = options;
  const provider = providerName(model.reference);
  if (deadline && Date.now() >= deadline.at) {
    yield timeoutPart('total', provider, deadline.totalMs);
    return;
  }
  const permit = options.breaker?.acquire();
  if (options.breaker && !permit) {
    yield unavailablePart(request.caller, options.breaker);
    return;
  }
  // With a deadline, aborted by the caller or at the deadline; without one, the caller's signal is
  // the call's (one controller and listener less per call). Each attempt has its own signal under it.
  const call = deadline ? new AbortController() : undefined;
  const callSignal = call ? call.signal : signal;
  const deadlineWatch = call && new Watchdog(call);
  if (deadline) deadlineWatch!.arm(Math.max(1, deadline.at - Date.now()), 'total');
  const onAbort = (): void => call!.abort();
  if (call) signal.addEventListener('abort', onAbort, { once: true });
  let outcome: keyof BreakerPermit = 'release';
  try {
    for (let attempt = 1; ; attempt++) {
      const tried = new Attempt(model, request, callSignal, limits);
      try {
        while (!tried.result) {
          const part = tried.take(await tried.parts.next());
          if (!part) break;
          // A slow reader (a pipe, a socket) is not a silent provider: its time does not count as idle.
          tried.watchdog.pause();
          yield part;
          tried.watchdog.resume();
        }
      } finally {
        await tried.close();
      }
      const result = tried.result!;
      if (result.kind === 'finished') {
        outcome = 'success';
        return;
      }
      if (signal.aborted) return;
      if (deadlineWatch?.fired) {
        yield timeoutPart('total', provider, deadline!.totalMs);
        return;
      }
      const failure = result.failure;
      if (result.kind === 'failed-after-text') {
        outcome = failure.retryable === true ? 'failure' : 'success';
        yield cutShort(failure);
        return;
      }
      const decision = decideRetry(failure, attempt, limits, deadline && deadline.at - Date.now(), options.random);
      if (!decision.retry) {
        outcome = failure.retryable === true ? 'failure' : 'success';
        yield finalFailure(failure, attempt, decision, deadline);
        return;
      }
      options.onRetry?.({ attempt, delayMs: decision.delayMs, failure });
      await sleep(decision.delayMs, callSignal);
      if (signal.aborted) return;
      if (deadlineWatch?.fired) {
        yield timeoutPart('total', provider, deadline!.totalMs);
        return;
      }
    }
  } finally {
    if (call) {
      deadlineWatch!.disarm();
      signal.removeEventListener('abort', onAbort);
      call.abort(CALL_FINISHED);
    }
    permit?.[outcome]();
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
 */
class Attempt {
  readonly watchdog: Watchdog;
  result: AttemptResult | undefined;
  private readonly controller = new AbortController();
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
    callSignal.addEventListener('abort', this.onAbort, { once: true });
    if (callSignal.aborted) this.controller.abort();
    this.watchdog = new Watchdog(this.controller);
    this.watchdog.arm(limits.firstTokenTimeoutMs, 'first-token');
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
      this.watchdog.arm(this.limits.idleTimeoutMs, 'idle');
    }
    // A tool call is output as much as text is: the caller may already be running it.
    if (part.type === 'text-delta' || part.type === 'tool-call') this.wroteText = true;
    if (part.type === 'finish') this.result = { kind: 'finished' };
    return part;
  }

  /** Ends the attempt: its HTTP request closes (also when the caller left early). */
  async close(): Promise<void> {
    this.watchdog.disarm();
    this.callSignal.removeEventListener('abort', this.onAbort);
    this.controller.abort(CALL_FINISHED);
    await this.parts.return?.();
  }

  /** Why a stream ended with no finish part: one of our timeouts, the call's signal, or a broken adapter. */
  private why(): ModelErrorPart {
    const provider = providerName(this.model.reference);
    const fired = this.watchdog.fired;
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
