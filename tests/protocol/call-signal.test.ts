/** The per-call cancellation the server makes per request: it must behave as Node's AbortController where aish and its libraries read it. */
import { once, EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { CallController, joinSignals } from '../../src/protocol/index.js';

describe('CallController', () => {
  it('aborts once, with an AbortError by default or the reason given', () => {
    const plain = new CallController();
    expect(plain.signal.aborted).toBe(false);
    plain.abort();
    expect(plain.signal.aborted).toBe(true);
    expect(plain.signal.reason).toBeInstanceOf(DOMException);
    expect((plain.signal.reason as DOMException).name).toBe('AbortError');
    const reason = new Error('finished');
    const given = new CallController();
    given.abort(reason);
    given.abort(new Error('later'));
    expect(given.signal.reason).toBe(reason);
    expect(() => given.signal.throwIfAborted()).toThrow(reason);
    expect(() => new CallController().signal.throwIfAborted()).not.toThrow();
  });

  it('calls each abort listener once, in the order added, and not those removed', () => {
    const controller = new CallController();
    const calls: string[] = [];
    const first = vi.fn(() => calls.push('first'));
    const removed = vi.fn();
    const object = { handleEvent: vi.fn((event: Event) => calls.push(`object ${event.type}`)) };
    controller.signal.addEventListener('abort', first);
    controller.signal.addEventListener('abort', first); // the same listener twice is one listener
    controller.signal.addEventListener('abort', removed);
    controller.signal.addEventListener('abort', object, { once: true });
    controller.signal.removeEventListener('abort', removed);
    const onabort = vi.fn();
    controller.signal.onabort = onabort;
    controller.abort();
    controller.abort();
    expect(calls).toEqual(['first', 'object abort']);
    expect(onabort).toHaveBeenCalledTimes(1);
    expect(first).toHaveBeenCalledTimes(1);
    expect(removed).not.toHaveBeenCalled();
    // A listener added after the abort is not called (as with Node's AbortSignal).
    const late = vi.fn();
    controller.signal.addEventListener('abort', late);
    expect(late).not.toHaveBeenCalled();
  });

  it('lets a listener remove another one while the abort runs', () => {
    const controller = new CallController();
    const second = vi.fn();
    controller.signal.addEventListener('abort', () => controller.signal.removeEventListener('abort', second));
    controller.signal.addEventListener('abort', second);
    controller.abort();
    // Both were registered when the abort began: the snapshot is what runs.
    expect(second).toHaveBeenCalledTimes(1);
  });

  it('drops a listener whose own `signal` option aborts', () => {
    const controller = new CallController();
    const stop = new AbortController();
    const listener = vi.fn();
    controller.signal.addEventListener('abort', listener, { signal: stop.signal } as { signal: AbortSignal });
    stop.abort();
    controller.abort();
    expect(listener).not.toHaveBeenCalled();
  });

  it("is taken by Node's own APIs that accept a signal", async () => {
    const controller = new CallController();
    const waiting = once(new EventEmitter(), 'never', { signal: controller.signal });
    const sleeping = delay(60_000, undefined, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('joinSignals', () => {
  it('gives a real AbortSignal that aborts with the reason of the first source to abort', () => {
    const call = new CallController();
    const round = new AbortController();
    const joined = joinSignals([call.signal, undefined, round.signal]);
    expect(joined.signal).toBeInstanceOf(AbortSignal);
    expect(joined.signal.aborted).toBe(false);
    const reason = new Error('client left');
    call.abort(reason);
    expect(joined.signal.aborted).toBe(true);
    expect(joined.signal.reason).toBe(reason);
    // Node's own combinators take it.
    expect(AbortSignal.any([joined.signal]).aborted).toBe(true);
  });

  it('is aborted at once when a source already is, and follows nothing after dispose', () => {
    const gone = new CallController();
    gone.abort('gone');
    expect(joinSignals([new AbortController().signal, gone.signal]).signal.reason).toBe('gone');
    const source = new CallController();
    const joined = joinSignals([source.signal]);
    joined.dispose();
    source.abort();
    expect(joined.signal.aborted).toBe(false);
  });
});
