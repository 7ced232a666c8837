/** The access log: one line per request on stderr, never a token nor a message; none with -q. */
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { PassThrough } from 'node:stream';
import { formatAccessLine, streamAccessLog } from '../../src/server/index.js';
import { call, leaveMidStream } from '../faults/support/misbehaving-client.js';
import { startServeWith } from '../faults/support/serve-process.js';

const SECRET = 'tok-5ecret-7f3a9c';
const WRONG = 'wrong-guess-81bd2e';
const MESSAGE = 'zebra-quartz-distinctive-words';

describe('the access log line', () => {
  it('has time, method, path, status, duration and client, on one line whatever the path holds', () => {
    const line = formatAccessLine({ method: 'POST', path: '/api/v2/ai/apollo/stream', status: 200, durationMs: 12.4, client: '127.0.0.1' }, new Date(0));
    expect(line).toBe('aish: 1970-01-01T00:00:00.000Z POST /api/v2/ai/apollo/stream 200 12ms client=127.0.0.1\n');
    const odd = formatAccessLine({ method: 'GET', path: '/a\nb c' + 'x'.repeat(300), status: 404, durationMs: 1, client: 'token:abc', clientLeft: true }, new Date(0));
    expect(odd.split('\n')).toHaveLength(2);
    expect(odd).toContain('/a%0Ab%20c');
    expect(odd).toContain('… 404 1ms client=token:abc (client left)');
  });

  it('writes the lines of one turn of the event loop in one write, in order, and later ones in the next', async () => {
    const stderr = new PassThrough();
    const writes: string[] = [];
    stderr.on('data', (chunk: Buffer) => writes.push(chunk.toString()));
    const log = streamAccessLog(stderr);
    const record = (path: string) => ({ method: 'GET', path, status: 200, durationMs: 1, client: '127.0.0.1' });
    for (const path of ['/a', '/b', '/c']) log(record(path));
    await new Promise((resolve) => setImmediate(resolve));
    log(record('/d'));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(2);
    expect(writes[0]!.match(/ GET \/\w /g)).toEqual([' GET /a ', ' GET /b ', ' GET /c ']);
    expect(writes[1]).toMatch(/^aish: \S+ GET \/d 200 1ms client=127\.0\.0\.1\n$/);
  });
});

describe('aish serve logs', () => {
  it('one line per request, and neither the token nor the message, whatever way they were sent', async () => {
    const server = await startServeWith(['--token', SECRET]);
    const auth = { authorization: `Bearer ${SECRET}` };
    try {
      expect((await call(server.url, 'POST', '/api/v2/ai/apollo/message', { body: JSON.stringify({ content: MESSAGE }), headers: auth })).status).toBe(200);
      expect((await call(server.url, 'POST', '/api/v2/ai/apollo/stream', { body: JSON.stringify({ content: MESSAGE }), headers: auth })).status).toBe(200);
      expect((await call(server.url, 'GET', `/api/v2/ai/apollo/stream?content=${MESSAGE}&token=${SECRET}`)).status).toBe(200);
      expect((await call(server.url, 'POST', '/v1/chat/completions', { body: JSON.stringify({ model: 'athena', messages: [{ role: 'user', content: MESSAGE }] }), headers: auth })).status).toBe(200);
      const session = await call(server.url, 'POST', '/api/v2/sessions', { body: JSON.stringify({ specialist_id: 'apollo', name: 'logged' }), headers: auth });
      expect(session.status).toBe(201);
      expect((await call(server.url, 'POST', '/api/v2/sessions/logged/message', { body: JSON.stringify({ message: MESSAGE }), headers: auth })).status).toBe(200);
      await leaveMidStream(server.url, '/api/v2/ai/apollo/stream', { content: `${MESSAGE} `.repeat(20), model: 'echo?tps=20' }, 1, auth);
      expect((await call(server.url, 'POST', '/api/v2/ai/apollo/message', { body: JSON.stringify({ content: MESSAGE }), headers: { authorization: `Bearer ${WRONG}` } })).status).toBe(401);
      expect((await call(server.url, 'POST', '/api/v2/ai/apollo/message', { body: '{"content": "' + MESSAGE, headers: auth })).status).toBe(400);
      expect((await call(server.url, 'GET', '/health')).status).toBe(200);
    } finally {
      await server.stop();
    }
    const log = server.stderr();
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain(WRONG);
    expect(log).not.toContain(MESSAGE);
    expect(log).toMatch(/^aish: \S+ POST \/api\/v2\/ai\/apollo\/message 200 \d+ms client=token:[0-9a-f]{10}$/m);
    expect(log).toMatch(/^aish: \S+ GET \/api\/v2\/ai\/apollo\/stream 200 \d+ms client=token:[0-9a-f]{10}$/m);
    expect(log).toMatch(/^aish: \S+ POST \/api\/v2\/ai\/apollo\/stream 200 \d+ms client=token:[0-9a-f]{10} \(client left\)$/m);
    expect(log).toMatch(/^aish: \S+ POST \/api\/v2\/ai\/apollo\/message 401 \d+ms client=127\.0\.0\.1$/m);
    expect(log).toMatch(/^aish: \S+ GET \/health 200 \d+ms client=127\.0\.0\.1$/m);
    expect(log.match(/^aish: \S+ (GET|POST) /gm)).toHaveLength(10);
  });

  it('logs each WebSocket connection when it ends, and each refused upgrade', async () => {
    const server = await startServeWith([]);
    const ws = `${server.url.replace('http', 'ws')}/ws/ai/apollo`;
    try {
      const open = new WebSocket(ws);
      await new Promise((resolve, reject) => open.once('open', resolve).once('error', reject));
      await new Promise((resolve) => open.once('close', resolve).close());
      const refused = new WebSocket(ws, { headers: { origin: 'https://evil.example' } });
      await new Promise((resolve) => refused.once('unexpected-response', (_request, response) => resolve(response.resume())).once('error', () => {}));
      const lines = (): string[] => server.stderr().split('\n').filter((line) => line.includes('/ws/ai/apollo'));
      for (let tries = 0; lines().length < 2 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await server.stop();
    }
    const log = server.stderr();
    expect(log).toMatch(/^aish: \S+ GET \/ws\/ai\/apollo 101 \d+ms client=127\.0\.0\.1$/m);
    expect(log).toMatch(/^aish: \S+ GET \/ws\/ai\/apollo 403 \d+ms client=127\.0\.0\.1$/m);
  });

  it('writes no access lines with -q', async () => {
    const server = await startServeWith(['-q']);
    try {
      expect((await call(server.url, 'GET', '/health')).status).toBe(200);
      expect((await call(server.url, 'GET', '/api/capabilities')).status).toBe(200);
    } finally {
      await server.stop();
    }
    expect(server.stderr()).not.toMatch(/ GET \//);
  });
});
