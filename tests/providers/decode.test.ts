import { describe, expect, it } from 'vitest';
import { DecodeError, MAX_BUFFERED_CHARACTERS, decodeLines, decodeServerSentEvents, decodeText, parseJsonObject } from '../../src/providers/decode.js';
import { fixtureBody, utf8SplitOffsets } from './support/fixtures.js';

/** `bytes` as a body arriving in pieces cut at `cuts`. */
async function* pieces(bytes: Buffer, cuts: number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...cuts.filter((offset) => offset > 0 && offset < bytes.length).sort((a, b) => a - b), bytes.length]) {
    yield bytes.subarray(start, cut);
    start = cut;
  }
}

function everyByte(bytes: Buffer): number[] {
  return Array.from({ length: bytes.length }, (_, index) => index);
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const item of items) result.push(item);
  return result;
}

const sse = (text: string) => Buffer.from(text, 'utf8');

describe('bytes → text', () => {
  it('keeps a character whole when a read ends inside it', async () => {
    const bytes = Buffer.from('a—📂b', 'utf8');
    expect((await all(decodeText(pieces(bytes, everyByte(bytes))))).join('')).toBe('a—📂b');
  });

  it('drops one leading byte-order mark', async () => {
    expect((await all(decodeText(pieces(Buffer.from('\uFEFFdata', 'utf8'), [1, 2])))).join('')).toBe('data');
  });
});

describe.each(['openai-chat-stream.sse', 'openai-error-midstream.sse', 'anthropic-messages-stream.sse', 'anthropic-error-stream.sse'])('server-sent events of %s', (file) => {
  const body = fixtureBody(file);
  const crlf = Buffer.from(body.toString('utf8').replace(/\n/g, '\r\n'), 'utf8');
  const cr = Buffer.from(body.toString('utf8').replace(/\n/g, '\r'), 'utf8');

  it('are the same whether the body comes whole, byte by byte, or cut inside characters', async () => {
    const whole = await all(decodeServerSentEvents(pieces(body, [])));
    expect(whole.length).toBeGreaterThan(3);
    expect(await all(decodeServerSentEvents(pieces(body, everyByte(body))))).toEqual(whole);
    expect(await all(decodeServerSentEvents(pieces(body, utf8SplitOffsets(file))))).toEqual(whole);
  });

  it('are the same with CRLF line ends, split between CR and LF, and with lone CRs', async () => {
    const whole = await all(decodeServerSentEvents(pieces(body, [])));
    expect(await all(decodeServerSentEvents(pieces(crlf, everyByte(crlf))))).toEqual(whole);
    expect(await all(decodeServerSentEvents(pieces(cr, everyByte(cr))))).toEqual(whole);
    expect(await all(decodeServerSentEvents(pieces(cr, [])))).toEqual(whole);
  });
});

describe('server-sent event framing', () => {
  it('skips comments, drops one space after the colon, and joins data lines with LF', async () => {
    const body = sse(': OPENROUTER PROCESSING\n\ndata:{"a":1}\n\n:ping\ndata: one\ndata:  two\n\nevent: x\nid: 7\nretry: 10\nweird: field\ndata: y\n\n');
    expect(await all(decodeServerSentEvents(pieces(body, [])))).toEqual([
      { id: undefined, event: undefined, data: '{"a":1}' },
      { id: undefined, event: undefined, data: 'one\n two' },
      { id: '7', event: 'x', data: 'y' },
    ]);
  });

  it('does not dispatch an event with no data lines, nor one the body ends before its blank line', async () => {
    expect(await all(decodeServerSentEvents(pieces(sse('event: ping\n\ndata: cut'), [])))).toEqual([]);
    expect(await all(decodeServerSentEvents(pieces(sse('data: cut\n'), [])))).toEqual([]);
  });

  it('dispatches a last event whose blank line is a lone CR at the very end of the body', async () => {
    expect(await all(decodeServerSentEvents(pieces(sse('data: [DONE]\r\r'), [13])))).toEqual([{ id: undefined, event: undefined, data: '[DONE]' }]);
  });

  it('refuses an event longer than the buffer cap', async () => {
    const huge = sse(`data: ${'x'.repeat(MAX_BUFFERED_CHARACTERS + 10)}`);
    await expect(all(decodeServerSentEvents(pieces(huge, [1024])))).rejects.toBeInstanceOf(DecodeError);
  });
});

describe('NDJSON lines', () => {
  const body = fixtureBody('ollama-chat-stream.ndjson');

  it('are the same whether the body comes whole, byte by byte, or cut inside characters', async () => {
    const whole = await all(decodeLines(pieces(body, [])));
    expect(whole).toHaveLength(29);
    expect(await all(decodeLines(pieces(body, everyByte(body))))).toEqual(whole);
    expect(await all(decodeLines(pieces(body, utf8SplitOffsets('ollama-chat-stream.ndjson'))))).toEqual(whole);
    const crlf = Buffer.from(body.toString('utf8').replace(/\n/g, '\r\n'), 'utf8');
    expect(await all(decodeLines(pieces(crlf, everyByte(crlf))))).toEqual(whole);
  });

  it('skip blank lines and keep a last line that has no LF', async () => {
    expect(await all(decodeLines(pieces(sse('{"a":1}\n\n  \n{"b":2}'), [3])))).toEqual(['{"a":1}', '{"b":2}']);
  });
});

describe('JSON of an event or line', () => {
  it('must be an object; anything else is a DecodeError quoting it', () => {
    expect(parseJsonObject('{"a":1}     ')).toEqual({ a: 1 });
    expect(() => parseJsonObject('{"id":')).toThrow(/invalid JSON "\{\\"id\\":"/);
    expect(() => parseJsonObject('[1]')).toThrow(DecodeError);
    expect(() => parseJsonObject('null')).toThrow(/expected a JSON object/);
  });
});
