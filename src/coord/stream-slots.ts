/**
 * Concurrent streams per client (`--max-streams`): one counter shared by the
 * SSE routes and WebSocket `stream` calls, so a client cannot open more by
 * switching transport.
 */

/** A held stream slot; `release()` may be called any number of times. */
export interface StreamSlot {
  release(): void;
}

/**
 * Open streams per client: `StreamSlots` in one process, or counts every
 * replica shares (Redis). A shared one may fail (its backend is down): it
 * then rejects with `BACKEND_UNAVAILABLE`, and the stream is refused.
 */
export interface StreamSlotPool {
  readonly max: number;
  /** A slot for `client`, or undefined when it already has `max` streams open. */
  acquire(client: string): StreamSlot | undefined | Promise<StreamSlot | undefined>;
}

/** The slots of one process (the default). */
export class StreamSlots implements StreamSlotPool {
  private readonly held = new Map<string, number>();

  /** At most `max` streams at once per client (at least 1). */
  constructor(readonly max: number) {}

  /** A slot for `client`, or undefined when it already has `max` streams open. */
  acquire(client: string): StreamSlot | undefined {
    const count = this.held.get(client) ?? 0;
    if (count >= this.max) return undefined;
    this.held.set(client, count + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = (this.held.get(client) ?? 1) - 1;
        if (left <= 0) this.held.delete(client);
        else this.held.set(client, left);
      },
    };
  }

  /** Streams `client` has open now. */
  open(client: string): number {
    return this.held.get(client) ?? 0;
  }
}
