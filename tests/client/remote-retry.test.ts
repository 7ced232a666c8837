/**
 * The remote client's resilience: 429s retried after Retry-After, calls that
 * never reached the server retried, dropped connections retried only where
 * repeating is harmless, and every failure one error with the right code.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RemoteSpecialists } from '../../src/client/index.js';
import { retryAfterMs } from '../../src/protocol/index.js';
import type { StreamEvent } from '../../src/protocol/index.js';
import { runAish } from '../support/aish.js';
import { startServeWith } from '../faults/support/serve-process.js';

type Script = (request: IncomingMessage, response: ServerResponse, index: number) => void;

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server answering request N with `script(…, N)`; `seen` counts requests per path. */
async function scripted(script: Script, port = 0): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    script(request, response, seen.length - 1);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const DISCOVERY = JSON.stringify({ ais: [{ id: 'apollo' }], total: 1, timestamp: '' });
const rateLimited = (response: ServerResponse, retryAfter: string): void => {
  response.writeHead(429, { 'content-type': 'application/json', 'retry-after': retryAfter });
  response.end(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'too many requests: slow down' } }));
};
const ok = (response: ServerResponse, body = DISCOVERY): void => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(body);
};
const sse = (response: ServerResponse): void => {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.end(
    'event: start\ndata: {"type":"start","specialist_id":"apollo","request_id":"r","model":"echo"}\n\n' +
      'id: 0\ndata: {"type":"content","data":"hi","specialist_id":"apollo"}\n\n' +
      'event: done\ndata: {"type":"done","specialist_id":"apollo","tokens_used":{"input":1,"output":1},"finish_reason":"stop"}\n\n',
  );
};
const capabilities = JSON.stringify({ features: { streaming: true, bulk_operations: true } });

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

describe('Retry-After', () => {
  it('is read as seconds or as an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

describe('a rate-limited client', () => {
  it('waits for Retry-After and tries again', async () => {
    const server = await scripted((_request, response, index) => (index === 0 ? rateLimited(response, '0') : ok(response)));
    const client = new RemoteSpecialists(server.url);
    expect((await client.list()).map((specialist) => specialist.id)).toEqual(['apollo']);
    expect(server.seen).toHaveLength(2);
    await client.close();
  });

  it('gives up after a few tries with the server’s RATE_LIMITED error', async () => {
    const server = await scripted((_request, response) => rateLimited(response, '0'));
    const client = new RemoteSpecialists(server.url);
    await expect(client.list()).rejects.toMatchObject({ code: 'RATE_LIMITED', message: 'too many requests: slow down' });
    expect(server.seen).toHaveLength(4);
    await client.close();
  });

  it('does not wait when Retry-After is longer than it would ever wait', async () => {
    const server = await scripted((_request, response) => rateLimited(response, '600'));
    const client = new RemoteSpecialists(server.url);
    await expect(client.list()).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(server.seen).toHaveLength(1);
    await client.close();
  });

  it('stops waiting when its caller gives up (--timeout, Ctrl-C)', async () => {
    const server = await scripted((request, response) => (request.url === '/api/capabilities' ? ok(response, capabilities) : rateLimited(response, '20')));
    const client = new RemoteSpecialists(server.url);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(collect(client.stream('apollo', { content: 'hi' }, controller.signal))).rejects.toMatchObject({ code: 'CANCELLED' });
    await client.close();
  });
});

describe('a dropped connection', () => {
  const dropFirst = (answer: (response: ServerResponse) => void): Script => (request, response, index) => {
    if (request.url === '/api/capabilities') return ok(response, capabilities);
    // Request 0 is the capabilities check; request 1, the first stream, is dropped.
    if (index === 1) return void request.socket.destroy();
    answer(response);
  };

  it('before any answer is retried for a GET', async () => {
    const server = await scripted((request, response, index) => (index === 0 ? request.socket.destroy() : ok(response)));
    const client = new RemoteSpecialists(server.url, { retryBaseMs: 10 });
    expect(await client.list()).toHaveLength(1);
    expect(server.seen).toHaveLength(2);
    await client.close();
  });

  it('before any answer is retried for a stream (the server stops a stream whose connection dropped)', async () => {
    const server = await scripted(dropFirst(sse));
    const client = new RemoteSpecialists(server.url, { retryBaseMs: 10 });
    const events = await collect(client.stream('apollo', { content: 'hi' }));
    expect(events.map((event) => event.type)).toEqual(['start', 'content', 'done']);
    expect(server.seen.filter((line) => line.startsWith('POST'))).toHaveLength(2);
    await client.close();
  });

  it('after a non-repeatable call was sent is not retried: one UNREACHABLE error', async () => {
    const server = await scripted((request) => request.socket.destroy());
    const client = new RemoteSpecialists(server.url, { retryBaseMs: 10 });
    await expect(client.createSession({ specialist_id: 'apollo' })).rejects.toMatchObject({ code: 'UNREACHABLE' });
    expect(server.seen).toHaveLength(1);
    await client.close();
  });

  it('mid-answer ends the stream with an UNREACHABLE error event, not a retry', async () => {
    const server = await scripted((request, response) => {
      if (request.url === '/api/capabilities') return ok(response, capabilities);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('event: start\ndata: {"type":"start","specialist_id":"apollo","request_id":"r","model":"echo"}\n\n');
      setTimeout(() => request.socket.destroy(), 20);
    });
    const client = new RemoteSpecialists(server.url, { retryBaseMs: 10 });
    const events = await collect(client.stream('apollo', { content: 'hi' }));
    expect(events.map((event) => event.type)).toEqual(['start', 'error']);
    expect(events[1]).toMatchObject({ code: 'UNREACHABLE' });
    expect(server.seen.filter((line) => line.startsWith('POST'))).toHaveLength(1);
    await client.close();
  });
});

describe('a server that is not there yet', () => {
  it('is tried again: a server that comes up a moment later answers', async () => {
    const probe = await scripted(() => {});
    const port = Number(new URL(probe.url).port);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    // The jitter is drawn when the first try has failed: that is when the server comes up, and
    // the waits are then the longest the backoff allows (about 250 ms, then 500 ms), not chance.
    let firstFailure!: () => void;
    const failed = new Promise<void>((resolve) => (firstFailure = resolve));
    const random = (): number => (firstFailure(), 1 - Number.EPSILON);
    const client = new RemoteSpecialists(`http://127.0.0.1:${port}`, { retryBaseMs: 250, random });
    const listed = client.list();
    await failed;
    await scripted((_request, response) => ok(response), port);
    expect(await listed).toHaveLength(1);
    await client.close();
  });

  it('that never comes is one UNREACHABLE error naming the server', async () => {
    const client = new RemoteSpecialists('http://127.0.0.1:9', { retryBaseMs: 10 });
    await expect(client.list()).rejects.toMatchObject({ code: 'UNREACHABLE', message: 'cannot reach the specialist server at http://127.0.0.1:9 (connection refused)' });
    await client.close();
  });
});

describe('aish --server against a rate-limited server', () => {
  it('prints one clear line and exits 1 when the wait would be too long', async () => {
    const server = await startServeWith(['--rate-limit', '1']);
    try {
      const result = await runAish(['--server', server.url, '-c', 'echo hi | apollo']);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^aish: .*too many requests: at most 1 a minute per client; retry in \d+ s$/);
    } finally {
      await server.stop();
    }
  });
});
