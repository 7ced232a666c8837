/**
 * Decoding an SSE body in layers: bytes → text (a streaming decoder, so a
 * character split across chunks is whole) → events (eventsource-parser) →
 * JSON. A bad event becomes an error, never a silently dropped chunk.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** Largest event the client accepts (a runaway stream must not eat memory). */
const MAX_EVENT_CHARS = 16 * 1024 * 1024;

export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncIterable<EventSourceMessage> {
  const decoder = new TextDecoder();
  const ready: EventSourceMessage[] = [];
  let failure: Error | undefined;
  const parser = createParser({
    onEvent: (event) => ready.push(event),
    onError: (error) => {
      failure = error;
    },
    maxBufferSize: MAX_EVENT_CHARS,
  });
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    if (failure) throw failure;
    while (ready.length > 0) yield ready.shift()!;
  }
  parser.feed(decoder.decode());
  parser.reset({ consume: true });
  while (ready.length > 0) yield ready.shift()!;
}
