/** The SSE writer every stream passes: each event out as it comes, a burst merged, bytes in order. */
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { mapStarted } from '../../src/server/sse.js';
import { writeStream } from '../../src/server/stream-writer.js';

let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** Serves `stream()` through writeStream; resolves with the port. */
async function serve(stream: () => AsyncIterable<string>): Promise<number> {
  server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    void writeStream(stream(), response, 60_000);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server!.address() as { port: number }).port;
}

/** Reads the raw response; `onBody` sees the body so far (chunked framing removed) each time bytes arrive, `onData` each piece of raw text read. */
function fetchRaw(port: number, onBody: (body: string) => void = () => {}, onData: (data: string) => void = () => {}): Promise<{ body: string; chunks: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    let raw = '';
    const decode = (): { body: string; chunks: number } => {
      let rest = raw.slice(raw.indexOf('\r\n\r\n') + 4);
      let body = '';
      let chunks = 0;
      for (;;) {
        const line = rest.indexOf('\r\n');
        if (line === -1) break;
        const size = parseInt(rest.slice(0, line), 16);
        if (size === 0 || rest.length < line + 2 + size) break;
        body += rest.slice(line + 2, line + 2 + size);
        chunks++;
        rest = rest.slice(line + 2 + size + 2);
      }
      return { body, chunks };
    };
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => {
      onData(data);
      raw += data;
      if (raw.includes('\r\n\r\n')) onBody(decode().body);
    });
    socket.on('end', () => resolve(decode()));
    socket.on('error', reject);
  });
}

describe('writeStream', () => {
  it('merges a burst of events into few writes, every byte in order', async () => {
    const events = Array.from({ length: 2000 }, (_, index) => `data: ${index}\n\n`);
    const port = await serve(async function* () {
      yield* events; // all in microtasks: never leaves the tick
    });
    const { body, chunks } = await fetchRaw(port);
    expect(body).toBe(events.join(''));
    expect(chunks).toBeLessThan(20);
  });

  it('sends each paced event before the next one is made', async () => {
    let received = '';
    const seen: boolean[] = [];
    const port = await serve(async function* () {
      for (let index = 0; index < 5; index++) {
        // The client must already have every earlier event when the next is made.
        seen.push(received === Array.from({ length: index }, (_, i) => `data: ${i}\n\n`).join(''));
        yield `data: ${index}\n\n`;
        // Up to a second for the event to reach the client, then the next one.
        for (let waited = 0; waited < 100 && !received.endsWith(`data: ${index}\n\n`); waited++) await new Promise((resolve) => setTimeout(resolve, 10));
      }
    });
    const { body } = await fetchRaw(port, (text) => (received = text));
    expect(body).toBe('data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n');
    expect(seen).toEqual([true, true, true, true, true]);
  });

  it('sends the headers with the first event when it is ready at once: one piece for the client to read', async () => {
    const port = await serve(async function* () {
      yield 'event: start\ndata: {}\n\n';
      await new Promise((resolve) => setTimeout(resolve, 50));
      yield 'data: 1\n\n';
    });
    const pieces: string[] = [];
    const { body } = await fetchRaw(port, undefined, (data) => pieces.push(data));
    expect(body).toBe('event: start\ndata: {}\n\ndata: 1\n\n');
    expect(pieces[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n[0-9a-f]+\r\nevent: start\n/);
  });

  it('sends the headers on their own while the first event is not ready', async () => {
    let headersSeen = false;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const port = await serve(async function* () {
      await released;
      yield 'data: late\n\n';
    });
    const { body } = await fetchRaw(port, undefined, (data) => {
      if (data.startsWith('HTTP/1.1 200')) {
        headersSeen = true;
        // The event is made only once the client has the headers.
        release();
      }
    });
    expect(headersSeen).toBe(true);
    expect(body).toBe('data: late\n\n');
  });

  it('writes mapped events as their text, counting content events from 0; iterated, they give the same text', async () => {
    const events = async function* (): AsyncGenerator<{ type: string }> {
      yield* [{ type: 'start' }, { type: 'content' }, { type: 'content' }, { type: 'done' }];
    };
    const label = (event: { type: string }, index: number): string => `${event.type} ${index}\n`;
    const texts: string[] = [];
    for await (const text of await mapStarted(events(), label)) texts.push(text);
    expect(texts.join('')).toBe('start 0\ncontent 0\ncontent 1\ndone 2\n');
    server = createServer(async (_request, response) => {
      const stream = await mapStarted(events(), label);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      await writeStream(stream, response, 60_000);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    expect((await fetchRaw((server.address() as { port: number }).port)).body).toBe('start 0\ncontent 0\ncontent 1\ndone 2\n');
  });
});
