/**
 * Decoding a response body in layers, as every adapter needs it: bytes →
 * text (one streaming UTF-8 decoder, so a character split across network
 * reads comes out whole) → server-sent events or NDJSON lines → JSON objects.
 * Nothing here knows a provider; a body that cannot be decoded raises
 * `DecodeError`, which `guardStream` turns into an `error` part.
 */
import { createParser, type EventSourceMessage, type ParseError } from 'eventsource-parser';

/** One server-sent event: its `event:` name, if any, and its joined `data:` lines. */
export type ServerSentEvent = EventSourceMessage;

/** A body that cannot be decoded; the message says what was wrong, for a person. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

/**
 * The longest line or event kept while waiting for its end. Model output is
 * small per event; anything this large is a misbehaving server, and the cap
 * keeps memory bounded.
 */
export const MAX_BUFFERED_CHARACTERS = 8 * 1024 * 1024;

/** Bytes → text, with one streaming decoder (a leading byte-order mark is dropped). */
export async function* decodeText(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of body) {
    const text = decoder.decode(chunk, { stream: true });
    if (text !== '') yield text;
  }
  const rest = decoder.decode();
  if (rest !== '') yield rest;
}

/**
 * Bytes → server-sent events, parsed by eventsource-parser (CRLF, LF and lone
 * CR line ends, comments, `data:` with or without its space, multi-line data).
 * Unknown fields are ignored, as the event-stream format says.
 */
export async function* decodeServerSentEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const events: ServerSentEvent[] = [];
  let failure: ParseError | undefined;
  const parser = createParser({
    maxBufferSize: MAX_BUFFERED_CHARACTERS,
    onEvent: (event) => events.push(event),
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') failure = error;
    },
  });
  const drain = function* (): Generator<ServerSentEvent> {
    if (failure) throw new DecodeError(`an event longer than ${MAX_BUFFERED_CHARACTERS} characters`, { cause: failure });
    yield* events.splice(0);
  };
  let last = '';
  for await (const text of decodeText(body)) {
    parser.feed(text);
    last = text.at(-1)!;
    yield* drain();
  }
  // A body that ends in a lone CR leaves its last line pending, as the parser
  // cannot know whether an LF follows; at the end of the body it cannot, so
  // an LF settles it. Only then: an event with no blank line after it is
  // still dropped, as the format says.
  if (last === '\r') {
    parser.feed('\n');
    yield* drain();
  }
}

/** Bytes → NDJSON lines (split on LF after decoding; a CR before it and blank lines are dropped). */
export async function* decodeLines(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  let pending = '';
  for await (const text of decodeText(body)) {
    pending += text;
    let end = pending.indexOf('\n');
    while (end !== -1) {
      const line = pending.slice(0, end).replace(/\r$/, '');
      pending = pending.slice(end + 1);
      if (line.trim() !== '') yield line;
      end = pending.indexOf('\n');
    }
    if (pending.length > MAX_BUFFERED_CHARACTERS) throw new DecodeError(`a line longer than ${MAX_BUFFERED_CHARACTERS} characters`);
  }
  // A last line without its LF is still a whole JSON value or visibly cut;
  // the JSON layer tells which.
  if (pending.trim() !== '') yield pending.replace(/\r$/, '');
}

/** A whole (non-streamed) JSON answer body, which must be one object. */
export async function readJsonObject(body: AsyncIterable<Uint8Array>): Promise<Record<string, unknown>> {
  let text = '';
  for await (const piece of decodeText(body)) {
    text += piece;
    if (text.length > MAX_BUFFERED_CHARACTERS) throw new DecodeError(`an answer longer than ${MAX_BUFFERED_CHARACTERS} characters`);
  }
  return parseJsonObject(text);
}

/** Parses one event's or line's JSON, which must be an object. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DecodeError(`invalid JSON ${quote(text)}`, { cause: error });
  }
  if (!isObject(value)) throw new DecodeError(`expected a JSON object, got ${quote(text)}`);
  return value;
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short, quoted excerpt of stream data for an error message. */
function quote(text: string): string {
  const limit = 120;
  return JSON.stringify(text.length > limit ? `${text.slice(0, limit)}…` : text);
}
