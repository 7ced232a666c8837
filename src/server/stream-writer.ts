/**
 * Writes a streamed answer (SSE text) to a response: the hot path of every
 * stream, so it costs one write per tick rather than one per event.
 *
 * Events produced in one tick are gathered into one string and written once,
 * when the tick ends (process.nextTick, which runs once the microtasks that
 * produced them are done; cheaper than an Immediate per event) or when WRITE_CHUNK characters are
 * waiting: a model that answers faster than the socket drains produces
 * thousands of events without ever leaving the microtask queue, and one
 * `write` each would cost a chunked-encoding frame, an iovec entry and their
 * garbage per event. Nothing waits while the socket can take more; while it
 * is back-pressured, up to MERGE_LIMIT characters wait, then the stream
 * waits for the drain. The bytes sent are the events' bytes, in order.
 */
import type { ServerResponse } from 'node:http';
import { sseEvent } from './sse.js';

/** A stream's part in a shutdown: it adds itself to `cutters` while it runs; `cut` stops its model call. */
export interface Cuttable {
  cutters: Set<() => void>;
  cut: () => void;
}

/** Text gathered before a write is made at once instead of at the end of the tick. */
const WRITE_CHUNK = 16 * 1024;
/** Most text held back while a slow client catches up; then the stream waits for it. */
const MERGE_LIMIT = 64 * 1024;

/**
 * Sends every string of `stream` to `outgoing`, a `: ping` comment when
 * nothing was written for `pingMs`, and ends the response. A shutdown's cut
 * stops the stream and sends a last `error` event saying why.
 */
export async function writeStream(stream: AsyncIterable<string>, outgoing: ServerResponse, pingMs: number, shutdown?: Cuttable): Promise<void> {
  let lastWrite = Date.now();
  /** Something was written, the headers with it (`headersSent` cannot tell: it is true once writeHead has run). */
  let wrote = false;
  let pending = '';
  let draining: Promise<void> | undefined;
  /** A send is scheduled for the end of this tick. */
  let endOfTick = false;
  const send = (): void => {
    endOfTick = false;
    if (pending === '' || draining || outgoing.destroyed || outgoing.writableEnded) return;
    const text = pending;
    pending = '';
    lastWrite = Date.now();
    wrote = true;
    if (!outgoing.write(text)) {
      draining = drained(outgoing).then(() => {
        draining = undefined;
        send();
      });
    }
  };
  const backPressure = (): Promise<void> | undefined => draining;
  const ping = setInterval(() => {
    if (pending === '' && Date.now() - lastWrite >= pingMs && !outgoing.destroyed) {
      outgoing.write(': ping\n\n');
      lastWrite = Date.now();
    }
  }, Math.min(pingMs, 1000));
  // The headers go out with the first event when it is ready at once, as an answer's `start` is
  // (one write, and one read for the client); a stream whose first event takes longer (a bulk
  // request's) sends them on their own at the end of this turn of the event loop.
  const headers = setImmediate(() => {
    if (!wrote && !outgoing.destroyed) outgoing.flushHeaders();
  });
  const iterator = stream[Symbol.asyncIterator]();
  // A shutdown's cut ends the response at once: the model call stops, the client hears why. (Not a
  // Promise.race per event: each race would leave a reaction on a promise that never settles.)
  let cutOff = false;
  const onCut = (): void => {
    cutOff = true;
    shutdown!.cut();
    if (outgoing.destroyed) return;
    outgoing.end(pending + sseEvent({ type: 'error', code: 'SHUTTING_DOWN', message: 'the server is shutting down' }, { event: 'error' }));
    pending = '';
  };
  shutdown?.cutters.add(onCut);
  try {
    for (;;) {
      const next = await iterator.next();
      if (cutOff || next.done || outgoing.destroyed) break;
      pending += next.value;
      if (draining) {
        // `send` clears `draining` (a closure TypeScript does not follow), so it is read again each time.
        while (pending.length >= MERGE_LIMIT && backPressure()) await backPressure();
      } else if (pending.length >= WRITE_CHUNK) {
        send();
      } else {
        if (!endOfTick) {
          endOfTick = true;
          process.nextTick(send);
        }
      }
    }
  } finally {
    clearImmediate(headers);
    clearInterval(ping);
    shutdown?.cutters.delete(onCut);
    // What is left goes out before the end, back-pressured or not (at most MERGE_LIMIT and one event).
    if (pending !== '' && !outgoing.destroyed && !outgoing.writableEnded) outgoing.write(pending);
    // A send still scheduled for this tick then finds nothing to write.
    pending = '';
    await iterator.return?.();
    if (!outgoing.destroyed && !outgoing.writableEnded) outgoing.end();
  }
}

function drained(outgoing: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      outgoing.off('drain', done);
      outgoing.off('close', done);
      resolve();
    };
    outgoing.on('drain', done);
    outgoing.on('close', done);
  });
}
