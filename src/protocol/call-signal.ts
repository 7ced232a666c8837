/**
 * Cancellation for one call, made where a server makes one per request (a WebSocket call, an
 * HTTP request, a model attempt). `CallController` has the shape of an `AbortController` and
 * its `signal` the shape of an `AbortSignal` (`aborted`, `reason`, `throwIfAborted`,
 * `onabort`, `abort` listeners), which is all that aish, undici and Node's own APIs read of a
 * signal (they check its shape, not its class).
 *
 * Why not Node's: Node 20 makes each `AbortSignal` by changing an EventTarget's prototype and
 * then adding fields, which gives every signal a hidden class of its own, and V8 then keeps
 * what hangs off such objects (here each call's objects, through the signal's listeners) alive
 * through young-generation collections. Under a WebSocket `chat` load, 7.4% of what the server
 * allocated survived each one (4.3% with these signals, 0.2% once the done event's getter was
 * also fixed, see `withCacheKey` in the service), so collections took milliseconds, and the
 * round trip's p99 was about twice what it is now.
 *
 * What needs a real `AbortSignal` (`AbortSignal.any`, `fetch`) gets one from `joinSignals`.
 * Only `abort` listeners are kept: a signal has no other event.
 */

type AbortListener = ((this: AbortSignal, event: Event) => unknown) | { handleEvent(event: Event): unknown };

interface Registration {
  listener: AbortListener;
  once: boolean;
}

class CallSignal implements AbortSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: AbortSignal, event: Event) => unknown) | null = null;
  /** Undefined until a listener is added: most calls end without anyone listening for long. */
  private listeners: Registration[] | undefined;

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  addEventListener(type: string, listener: AbortListener | null, options?: boolean | { once?: boolean; signal?: AbortSignal }): void {
    if (type !== 'abort' || listener === null || this.aborted) return;
    const listeners = (this.listeners ??= []);
    // As EventTarget: the same listener added twice is one listener.
    if (listeners.some((registration) => registration.listener === listener)) return;
    const once = typeof options === 'object' && options.once === true;
    listeners.push({ listener, once });
    if (typeof options === 'object' && options.signal) {
      options.signal.addEventListener('abort', () => this.removeEventListener('abort', listener), { once: true });
    }
  }

  removeEventListener(type: string, listener: AbortListener | null): void {
    const listeners = this.listeners;
    if (type !== 'abort' || listeners === undefined) return;
    const index = listeners.findIndex((registration) => registration.listener === listener);
    if (index !== -1) listeners.splice(index, 1);
  }

  dispatchEvent(event: Event): boolean {
    if (event.type !== 'abort') return true;
    // `onabort` first: set where the signal is made, as an event handler it would run before later listeners.
    this.onabort?.call(this, event);
    const listeners = this.listeners;
    if (listeners === undefined) return true;
    // A copy: a listener may remove itself or others while they run.
    for (const registration of [...listeners]) {
      if (registration.once) this.removeEventListener('abort', registration.listener);
      try {
        const { listener } = registration;
        if (typeof listener === 'function') listener.call(this, event);
        else listener.handleEvent(event);
      } catch (error) {
        // As EventTarget: a throwing listener does not stop the others; its error is uncaught.
        process.nextTick(() => {
          throw error;
        });
      }
    }
    return true;
  }
}

/** An `AbortController` for one call; see the module comment for why it is not Node's. */
export class CallController implements AbortController {
  readonly signal: AbortSignal = new CallSignal();

  abort(reason?: unknown): void {
    const signal = this.signal as CallSignal;
    if (signal.aborted) return;
    signal.aborted = true;
    signal.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    signal.dispatchEvent(new Event('abort'));
  }
}

/** A joined signal, and how to stop following its sources once the work it guards is over. */
export interface JoinedSignal {
  signal: AbortSignal;
  dispose(): void;
}

/**
 * A real `AbortSignal` aborted when any of `signals` is (with that one's reason), for what
 * needs Node's own class. Unlike `AbortSignal.any`, it follows signals of either kind, and
 * `dispose` takes its listeners off the sources (`AbortSignal.any` leaves a WeakRef in each
 * source for as long as the source lives).
 */
export function joinSignals(signals: readonly (AbortSignal | undefined)[]): JoinedSignal {
  const controller = new AbortController();
  const sources = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  const onAbort = (): void => {
    dispose();
    controller.abort(sources.find((source) => source.aborted)?.reason);
  };
  const dispose = (): void => {
    for (const source of sources) source.removeEventListener('abort', onAbort);
  };
  const aborted = sources.find((source) => source.aborted);
  if (aborted) controller.abort(aborted.reason);
  else for (const source of sources) source.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, dispose };
}
