/**
 * Slow-loris clients: headers or a body sent a byte at a time are cut off
 * after the server's deadline, cost nothing else meanwhile, and a long answer
 * is never cut by the request deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, startServer, type RunningServer } from '../../src/server/index.js';
import { embeddedService } from '../support/server.js';
import { call, dribble, rawSocket, untilClosed } from './support/misbehaving-client.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(createApp({ service: embeddedService() }), { host: '127.0.0.1', port: 0, headersTimeoutMs: 400, bodyTimeoutMs: 800 });
});
afterAll(async () => {
  await server.close(100);
});

const HEADERS = 'GET /api/v2/discovery/ais HTTP/1.1\r\nHost: localhost\r\nX-Padding: ' + 'a'.repeat(200) + '\r\n\r\n';

describe('a slow-loris client', () => {
  it('sending its headers a byte at a time is cut off before it finishes them, while others are served', async () => {
    const slow = dribble(server.url, HEADERS, 20);
    // Meanwhile, ordinary requests are answered as usual.
    for (let i = 0; i < 5; i++) {
      const health = await call(server.url, 'GET', '/health');
      expect(health.status).toBe(200);
    }
    const reply = await slow;
    expect(reply.closed).toBe(true);
    expect(reply.sentBytes).toBeLessThan(HEADERS.length);
    // Node answers a request it timed out with 408 when it still can.
    expect(reply.status === undefined || reply.status === 408).toBe(true);
  });

  it('that connects and sends nothing is closed too', async () => {
    const socket = await rawSocket(server.url);
    const reply = await untilClosed(socket);
    expect(reply.closed).toBe(true);
  });

  it('sending its body a byte at a time is cut off with 408 and the route never runs', async () => {
    const body = JSON.stringify({ content: 'x'.repeat(300) });
    const head = `POST /api/v2/ai/apollo/stream HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const reply = await dribble(server.url, body, 10, { head });
    expect(reply.closed).toBe(true);
    expect(reply.sentBytes).toBeLessThan(body.length);
    expect(reply.status).toBe(408);
    expect(reply.text).not.toContain('event: start');
    expect((await call(server.url, 'GET', '/health')).status).toBe(200);
  });

  it('a stream that lasts longer than the request deadline is not cut', async () => {
    // 12 words at 10 a second: over a second, longer than the 800 ms body deadline.
    const content = Array.from({ length: 12 }, (_, i) => `w${i}`).join(' ');
    const reply = await call(server.url, 'POST', '/api/v2/ai/apollo/stream', { body: JSON.stringify({ content, model: 'echo?tps=10' }) });
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('"data":"w11"');
    expect(reply.body).toContain('event: done');
  });
});
