/**
 * The resilience wrapper around `LanguageModel.stream`: retries (only before
 * the first text), backoff with full jitter and Retry-After, timeouts, the
 * caller's deadline, and the circuit breaker.
 */
import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  CircuitBreaker,
  decideRetry,
  resolveLimits,
  withResilience,
  type LanguageModel,
  type ModelErrorPart,
  type ModelPart,
  type ResolvedLimits,
  type RetryNotice,
} from '../../src/providers/index.js';
import { collect, errorOf, textOf } from './support/collect.js';

const request = { messages: [{ role: 'user' as const, content: 'hi' }], caller: 'apollo' };

/** Fast limits for tests; seconds as in config.yaml. */
function limits(overrides: Parameters<typeof resolveLimits>[1] = {}): ResolvedLimits {
  return resolveLimits('openai', { retry_base_delay: 0.001, retry_max_delay: 0.05, first_token_timeout: 5, idle_timeout: 5, ...overrides });
}

/** What one attempt of a scripted model does. */
type Attempt = ModelPart[] | 'hang' | { parts: ModelPart[]; thenHang: true };

/** A model that plays one script entry per call and records each call's signal. */
function scriptedModel(attempts: Attempt[]): LanguageModel & { calls: AbortSignal[] } {
  const calls: AbortSignal[] = [];
  return {
    reference: 'openai/fake',
    calls,
    async *stream(_request, signal) {
      calls.push(signal);
      const attempt = attempts[calls.length - 1] ?? [{ type: 'finish', reason: 'stop' }];
      const hang = (): Promise<void> => new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      if (attempt === 'hang') return void (await hang());
      const parts = Array.isArray(attempt) ? attempt : attempt.parts;
      for (const part of parts) {
        if (signal.aborted) return;
        yield part;
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (!Array.isArray(attempt)) await hang();
    },
  };
}

const text = (value: string): ModelPart => ({ type: 'text-delta', text: value });
const finish: ModelPart = { type: 'finish', reason: 'stop' };
const overloaded: ModelErrorPart = { type: 'error', code: 'PROVIDER_UNAVAILABLE', message: 'provider is overloaded (openai, 529)', status: 529, retryable: true };
const serverError: ModelErrorPart = { type: 'error', code: 'PROVIDER_ERROR', message: 'provider returned an error (openai, 500)', status: 500, retryable: true };
const badKey: ModelErrorPart = { type: 'error', code: 'PROVIDER_ERROR', message: 'provider rejected the API key (openai, 401)', status: 401, retryable: false };

describe('decideRetry', () => {
  const fast = limits({ max_attempts: 3, retry_base_delay: 1, retry_max_delay: 30 });

  it('does not retry what the provider says cannot succeed', () => {
    expect(decideRetry(badKey, 1, fast, undefined)).toEqual({ retry: false, reason: 'not-retryable' });
  });

  it('stops at max_attempts', () => {
    expect(decideRetry(serverError, 2, fast, undefined).retry).toBe(true);
    expect(decideRetry(serverError, 3, fast, undefined)).toEqual({ retry: false, reason: 'attempts' });
  });

  it('waits at least the Retry-After', () => {
    expect(decideRetry({ ...overloaded, retryAfterSeconds: 7 }, 1, fast, undefined, () => 0)).toEqual({ retry: true, delayMs: 7000 });
  });

  it('a Retry-After past the deadline is a deadline stop; past retry_max_delay, a retry-after stop', () => {
    expect(decideRetry({ ...overloaded, retryAfterSeconds: 7 }, 1, fast, 5000)).toEqual({ retry: false, reason: 'deadline' });
    expect(decideRetry({ ...overloaded, retryAfterSeconds: 60 }, 1, fast, undefined)).toEqual({ retry: false, reason: 'retry-after' });
  });

  it('never sleeps past the deadline', () => {
    expect(decideRetry(serverError, 1, fast, 100, () => 0.5)).toEqual({ retry: false, reason: 'deadline' });
    expect(decideRetry(serverError, 1, fast, 10_000, () => 0.5)).toEqual({ retry: true, delayMs: 500 });
  });
});

describe('backoff with full jitter', () => {
  const backoff = limits({ retry_base_delay: 0.5, retry_max_delay: 4 });

  it('is a random wait between 0 and base × 2^(retry-1)', () => {
    expect(backoffMs(1, backoff, () => 0)).toBe(0);
    expect(backoffMs(1, backoff, () => 0.999)).toBe(499);
    expect(backoffMs(2, backoff, () => 0.999)).toBe(999);
    expect(backoffMs(3, backoff, () => 0.5)).toBe(1000);
  });

  it('is capped at retry_max_delay', () => {
    expect(backoffMs(10, backoff, () => 0.999)).toBe(3996);
  });
});

describe('resolveLimits', () => {
  it('fills in the documented defaults, in milliseconds', () => {
    expect(resolveLimits('openai')).toEqual({
      connectTimeoutMs: 10_000,
      firstTokenTimeoutMs: 60_000,
      idleTimeoutMs: 60_000,
      maxAttempts: 3,
      retryBaseDelayMs: 500,
      retryMaxDelayMs: 30_000,
      breakerThreshold: 5,
      breakerCooldownMs: 30_000,
    });
  });

  it('gives Ollama longer to load a model, and later layers win key by key', () => {
    expect(resolveLimits('ollama').firstTokenTimeoutMs).toBe(300_000);
    const resolved = resolveLimits('ollama', { first_token_timeout: 20, max_attempts: 5 }, { max_attempts: 2 });
    expect(resolved.firstTokenTimeoutMs).toBe(20_000);
    expect(resolved.maxAttempts).toBe(2);
  });
});

describe('withResilience', () => {
  it('retries retryable failures before the first text, then streams the answer once', async () => {
    const model = scriptedModel([[overloaded], [serverError], [text('Hello'), finish]]);
    const retries: RetryNotice[] = [];
    const parts = await collect(withResilience(model, { limits: limits(), onRetry: (notice) => retries.push(notice) }), request);
    expect(textOf(parts)).toBe('Hello');
    expect(parts.at(-1)).toEqual(finish);
    expect(model.calls).toHaveLength(3);
    expect(retries.map((notice) => [notice.attempt, notice.failure.status])).toEqual([
      [1, 529],
      [2, 500],
    ]);
  });

  it('reports a failure after text went out, never retrying it', async () => {
    const model = scriptedModel([[text('Partial'), overloaded], [text('Again'), finish]]);
    const parts = await collect(withResilience(model, { limits: limits() }), request);
    expect(textOf(parts)).toBe('Partial');
    expect(errorOf(parts)).toEqual({ ...overloaded, code: 'PROVIDER_ERROR', message: `${overloaded.message}; the answer is incomplete`, retryable: false });
    expect(model.calls).toHaveLength(1);
  });

  it('reports a failure after a tool call went out, never retrying it (the caller may be running the tool)', async () => {
    const call: ModelPart = { type: 'tool-call', id: 'call_1', name: 'files__read_text_file', arguments: '{"path":"README.md"}' };
    const model = scriptedModel([[call, overloaded], [call, { type: 'finish', reason: 'tool_calls' }]]);
    const parts = await collect(withResilience(model, { limits: limits() }), request);
    expect(parts[0]).toEqual(call);
    expect(errorOf(parts)).toEqual({ ...overloaded, code: 'PROVIDER_ERROR', message: `${overloaded.message}; the answer is incomplete`, retryable: false });
    expect(model.calls).toHaveLength(1);
  });

  it('gives up after max_attempts with the last failure, saying how many attempts', async () => {
    const model = scriptedModel([[serverError], [serverError], [serverError]]);
    const parts = await collect(withResilience(model, { limits: limits({ max_attempts: 2 }) }), request);
    expect(errorOf(parts)).toMatchObject({ code: 'PROVIDER_ERROR', message: 'provider returned an error (openai, 500) (after 2 attempts)' });
    expect(model.calls).toHaveLength(2);
  });

  it('times out a model that sends nothing (first_token_timeout), aborting each attempt', async () => {
    const model = scriptedModel(['hang', 'hang']);
    const parts = await collect(withResilience(model, { limits: limits({ first_token_timeout: 0.05, max_attempts: 2 }) }), request);
    expect(errorOf(parts)).toMatchObject({ code: 'TIMEOUT', message: 'openai did not start answering within 0.05 s (limits.first_token_timeout) (after 2 attempts)' });
    expect(model.calls.map((signal) => signal.aborted)).toEqual([true, true]);
  });

  it('times out a gap between parts (idle_timeout); after text that is reported, not retried', async () => {
    const model = scriptedModel([{ parts: [text('half')], thenHang: true }]);
    const parts = await collect(withResilience(model, { limits: limits({ idle_timeout: 0.05 }) }), request);
    expect(textOf(parts)).toBe('half');
    expect(errorOf(parts)).toMatchObject({ code: 'TIMEOUT', message: 'openai sent nothing for 0.05 s mid-answer (limits.idle_timeout); the answer is incomplete' });
    expect(model.calls).toHaveLength(1);
    expect(model.calls[0]!.aborted).toBe(true);
  });

  it('a slow reader is not an idle provider: time spent waiting for the caller does not count', async () => {
    const model = scriptedModel([[text('one '), text('two '), text('three'), finish]]);
    const parts: ModelPart[] = [];
    for await (const part of withResilience(model, { limits: limits({ idle_timeout: 0.03 }) }).stream(request, new AbortController().signal)) {
      parts.push(part);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(textOf(parts)).toBe('one two three');
    expect(errorOf(parts)).toBeUndefined();
  });

  it("ends at the caller's deadline with TIMEOUT, aborting the attempt", async () => {
    const model = scriptedModel(['hang']);
    const parts = await collect(withResilience(model, { limits: limits(), deadline: { at: Date.now() + 50, totalMs: 50 } }), request);
    expect(errorOf(parts)).toEqual({ type: 'error', code: 'TIMEOUT', message: 'timed out after 0.05 s', retryable: false });
    expect(model.calls[0]!.aborted).toBe(true);
  });

  it('a Retry-After that would outlast the deadline is TIMEOUT at once', async () => {
    const model = scriptedModel([[{ ...overloaded, retryAfterSeconds: 30 }], [text('late'), finish]]);
    const parts = await collect(withResilience(model, { limits: limits({ retry_max_delay: 60 }), deadline: { at: Date.now() + 10_000, totalMs: 10_000 } }), request);
    expect(errorOf(parts)).toMatchObject({ code: 'TIMEOUT', message: 'provider is overloaded (openai, 529); waiting 30 s to retry would outlast the 10 s timeout' });
    expect(model.calls).toHaveLength(1);
  });

  it('a caller that aborts gets no error part, and the attempt is aborted', async () => {
    const model = scriptedModel(['hang']);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const parts = await collect(withResilience(model, { limits: limits() }), request, controller.signal);
    expect(parts).toEqual([]);
    expect(model.calls[0]!.aborted).toBe(true);
  });
});

describe('circuit breaker', () => {
  function breakerAt(threshold: number, cooldownMs: number) {
    let now = 1_000;
    const statuses: string[] = [];
    const breaker = new CircuitBreaker({ threshold, cooldownMs, now: () => now, onStatus: (status) => statuses.push(status) });
    return { breaker, statuses, advance: (ms: number) => (now += ms) };
  }

  it('degraded after a failure, unavailable at the threshold, refusing calls while open', () => {
    const { breaker, statuses } = breakerAt(2, 1000);
    breaker.acquire()!.failure();
    expect(breaker.status).toBe('degraded');
    breaker.acquire()!.failure();
    expect(breaker.status).toBe('unavailable');
    expect(breaker.acquire()).toBeUndefined();
    expect(statuses).toEqual(['degraded', 'unavailable']);
    breaker.dispose();
  });

  it('lets one probe through after the cool-down; its success closes the breaker', () => {
    const { breaker, advance } = breakerAt(1, 1000);
    breaker.acquire()!.failure();
    advance(999);
    expect(breaker.acquire()).toBeUndefined();
    advance(1);
    expect(breaker.status).toBe('degraded');
    const probe = breaker.acquire()!;
    expect(breaker.acquire()).toBeUndefined();
    probe.success();
    expect(breaker.status).toBe('active');
    expect(breaker.acquire()).toBeDefined();
    breaker.dispose();
  });

  it('a failed probe opens it again for another cool-down', () => {
    const { breaker, advance } = breakerAt(3, 1000);
    for (let i = 0; i < 3; i++) breaker.acquire()!.failure();
    advance(1000);
    breaker.acquire()!.failure();
    expect(breaker.status).toBe('unavailable');
    expect(breaker.retryInMs).toBe(1000);
    breaker.dispose();
  });

  it('a success resets the failure streak', () => {
    const { breaker } = breakerAt(2, 1000);
    breaker.acquire()!.failure();
    breaker.acquire()!.success();
    breaker.acquire()!.failure();
    expect(breaker.status).toBe('degraded');
    breaker.dispose();
  });

  it('in the wrapper: only availability failures count; a refused key proves the provider is up', async () => {
    const breaker = new CircuitBreaker({ threshold: 2, cooldownMs: 60_000 });
    const model = scriptedModel([[serverError], [badKey], [serverError], [serverError], [text('unused'), finish]]);
    const wrapped = withResilience(model, { limits: limits({ max_attempts: 1 }), breaker });
    await collect(wrapped, request);
    expect(breaker.status).toBe('degraded');
    expect(errorOf(await collect(wrapped, request))).toMatchObject({ code: 'PROVIDER_ERROR', status: 401 });
    expect(breaker.status).toBe('active');
    await collect(wrapped, request);
    await collect(wrapped, request);
    expect(breaker.status).toBe('unavailable');
    // Open: refused at once, without calling the model.
    const refused = await collect(wrapped, request);
    expect(errorOf(refused)).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', message: 'apollo is unavailable: its last 2 calls failed; aish tries it again in 60 s' });
    expect(model.calls).toHaveLength(4);
    breaker.dispose();
  });
});
