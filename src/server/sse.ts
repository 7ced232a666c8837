/**
 * The SSE format (docs/protocol.md "SSE stream format"): content events carry an `id:` (the chunk
 * index) and no `event:`, so a browser EventSource's onmessage gets them;
 * start, done and error name their type in `event:` and have no `id:`.
 */
import type { StreamEvent } from '../protocol/index.js';

/** One SSE event. Field values may not hold CR or LF (they would end the field). */
export function sseEvent(data: unknown, fields: { event?: string; id?: string } = {}): string {
  let out = '';
  if (fields.event !== undefined) out += `event: ${fieldValue('event', fields.event)}\n`;
  if (fields.id !== undefined) out += `id: ${fieldValue('id', fields.id)}\n`;
  // JSON.stringify escapes line breaks inside strings, so the data stays one line.
  return `${out}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

function fieldValue(name: string, value: string): string {
  if (value.includes('\n') || value.includes('\r')) throw new Error(`an SSE ${name} may not contain a line break`);
  return value;
}

/**
 * A content event: the hot path of every stream. The JSON is put together by
 * hand (the same bytes as stringifying the event), which is several times
 * cheaper than stringifying an object per chunk; the id is a number.
 */
function contentEvent(event: Extract<StreamEvent, { type: 'content' }>, index: number): string {
  return `id: ${index}\ndata: {"type":"content","data":${JSON.stringify(event.data)},"specialist_id":${JSON.stringify(event.specialist_id)}}\n\n`;
}

/**
 * The service's stream as SSE text. Waits for the first event, so failures
 * before the stream starts (unknown specialist, bad model) throw here and
 * become plain HTTP errors. A hand-written iterator, not a generator: every
 * chunk of a long answer passes through it, and each generator layer costs.
 */
export async function specialistEvents(events: AsyncIterable<StreamEvent>): Promise<AsyncIterable<string>> {
  return mapStarted(events, (event, index) => (event.type === 'content' ? contentEvent(event, index) : sseEvent(event, { event: event.type })));
}

/**
 * Maps a stream after awaiting its first item; `index` counts content events from 0. Each
 * later item costs the stream's own `next` and one `then` (no async function around it).
 */
export async function mapStarted<T extends { type: string }>(events: AsyncIterable<T>, map: (event: T, index: number) => string): Promise<AsyncIterable<string>> {
  const iterator = events[Symbol.asyncIterator]();
  let first: IteratorResult<T> | undefined = await iterator.next();
  let index = 0;
  const mapped = (result: IteratorResult<T>): IteratorResult<string> => {
    if (result.done) return { done: true, value: undefined };
    const value = map(result.value, index);
    if (result.value.type === 'content') index++;
    return { done: false, value };
  };
  const next = (): Promise<IteratorResult<string>> => {
    if (first === undefined) return iterator.next().then(mapped);
    const result = first;
    first = undefined;
    return Promise.resolve(result).then(mapped);
  };
  const stop = async (): Promise<IteratorResult<string>> => {
    await iterator.return?.();
    return { done: true, value: undefined };
  };
  return { [Symbol.asyncIterator]: () => ({ next, return: stop }) };
}

export const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};
