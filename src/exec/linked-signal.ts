/**
 * An abort signal for one call that follows long-lived parent signals (the
 * line's Ctrl-C, a stage's stop) and an optional timeout, and lets go of them
 * when the call ends. `AbortSignal.any` in Node 20 leaves a WeakRef to every
 * signal it made in each parent's set of dependants for as long as the parent
 * lives: an `--each` run over a million records held a million of them.
 */
import { setMaxListeners } from 'node:events';

/** A call's signal and how to let go of its parents once the call has ended. */
export interface LinkedSignal {
  signal: AbortSignal;
  /** Removes the listeners on the parents and clears the timer; call it once the call is over. */
  dispose(): void;
}

export function linkedSignal(parents: readonly AbortSignal[], timeoutMs?: number): LinkedSignal {
  // A parent has one listener per call running (64 at -j 64), each removed when its call ends.
  // (With no targets, setMaxListeners would change the default for every emitter.)
  if (parents.length > 0) setMaxListeners(0, ...parents);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  let timer: NodeJS.Timeout | undefined;
  const dispose = (): void => {
    for (const parent of parents) parent.removeEventListener('abort', onAbort);
    if (timer !== undefined) clearTimeout(timer);
  };
  if (parents.some((parent) => parent.aborted)) controller.abort();
  else {
    for (const parent of parents) parent.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => controller.abort(), timeoutMs);
      // As AbortSignal.timeout: a pending timeout alone does not keep the process running.
      timer.unref();
    }
  }
  return { signal: controller.signal, dispose };
}
