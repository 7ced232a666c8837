/**
 * The SSE format of protocol.md: content events carry an `id:` (the chunk
 * index) and no `event:`, so a browser EventSource's onmessage gets them;
 * start, done and error name their type in `event:` and have no `id:`.
 */
import type { StreamEvent } from '../protocol/index.js';

/** One SSE event. Field values may not hold CR or LF (they would end the field). */
export function sseEvent(data: unknown, fields: { event?: string; id?: string } = {}): string {
  let out = '';
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (/[\r\n]/.test(value)) throw new Error(`an SSE ${name} may not contain a line break`);
    out += `${name}: ${value}\n`;
  }
  // JSON.stringify escapes line breaks inside strings, so the data stays one line.
  return `${out}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

/** Maps the service's stream events to SSE text. */
export async function* specialistEvents(events: AsyncIterable<StreamEvent>): AsyncIterable<string> {
  let index = 0;
  for await (const event of events) {
    if (event.type === 'content') yield sseEvent(event, { id: String(index++) });
    else yield sseEvent(event, { event: event.type });
  }
}

export const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};
