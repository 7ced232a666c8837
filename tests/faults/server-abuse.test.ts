/**
 * Clients that ask for too much or have no right to ask: a flood over the
 * rate limit, bodies over the size limit, a bad token. Each gets its error
 * with a code; the server goes on serving everyone else.
 */
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { Agent, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, Protection, startServer, type RunningServer } from '../../src/server/index.js';
import { embeddedService } from '../support/server.js';
import { call, flood, rawSocket, untilClosed } from './support/misbehaving-client.js';
import { startServeWith } from './support/serve-process.js';

const TOKEN = 'flood-token-1234';
const auth = { authorization: `Bearer ${TOKEN}` };
/** Rate-limited: 20 requests a minute. */
let flooded: RunningServer;
/** Not rate-limited: size limits and tokens. */
let limited: RunningServer;

beforeAll(async () => {
  flooded = await startServer(createApp({ service: embeddedService() }), { host: '127.0.0.1', port: 0, protection: new Protection({ token: TOKEN, rateLimit: 20 }) });
  const protection = new Protection({ token: TOKEN, maxBulkOperations: 3 });
  limited = await startServer(createApp({ service: embeddedService() }), { host: '127.0.0.1', port: 0, maxBodyBytes: 2048, protection });
});
afterAll(async () => {
  await flooded.close(100);
  await limited.close(100);
});

describe('a flood over the rate limit', () => {
  it('gets 429 RATE_LIMITED with Retry-After and X-RateLimit-* once the allowance is spent; /health still answers', async () => {
    const replies = await flood(flooded.url, 30, '/api/v2/discovery/ais', auth);
    const ok = replies.filter((reply) => reply.status === 200);
    const refused = replies.filter((reply) => reply.status === 429);
    expect(ok.length).toBeLessThanOrEqual(20);
    expect(ok.length + refused.length).toBe(30);
    expect(refused.length).toBeGreaterThanOrEqual(10);
    const first = refused[0]!;
    expect(JSON.parse(first.body).error.code).toBe('RATE_LIMITED');
    expect(first.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(first.headers['x-ratelimit-limit']).toBe('20');
    expect(first.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(first.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
    // Health checks are never limited.
    for (let i = 0; i < 5; i++) expect((await call(flooded.url, 'GET', '/health')).status).toBe(200);
  });
});

describe('bodies over the limit', () => {
  it('a declared body over max_body is answered 413 at once, without waiting for the body', async () => {
    const socket = await rawSocket(limited.url);
    const reply = untilClosed(socket);
    // Headers only: a server that waited for the 10 MB body would never answer.
    socket.write(`POST /api/v2/ai/apollo/message HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n`);
    const { status, text } = await reply;
    expect(status).toBe(413);
    expect(text).toContain('"code":"PAYLOAD_TOO_LARGE"');
  });

  it('an undeclared (chunked) body is cut off with 413 once it passes max_body', async () => {
    const reply = await call(limited.url, 'POST', '/api/v2/ai/apollo/message', {
      body: Buffer.from(JSON.stringify({ content: 'x'.repeat(5000) })),
      headers: { ...auth, 'transfer-encoding': 'chunked' },
    });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { max_body: 2048 } });
  });

  it('a client still sending a big body hears the 413 (node:http and undici, declared and chunked), not a reset', async () => {
    // A server in its own process: in this one, the client's writes and the server's close would take turns.
    const server = await startServeWith(['-q', '--max-body', '2048']);
    const big = Buffer.alloc(4 * 1024 * 1024, 'x');
    const url = `${server.url}/api/v2/ai/apollo/message`;
    const headers = { 'content-type': 'application/json' };
    const outcomes: Record<string, number | string> = {};
    const viaNode = (chunked: boolean): Promise<number | string> =>
      new Promise((resolve) => {
        const req = request(url, { method: 'POST', agent: false, headers: chunked ? headers : { ...headers, 'content-length': String(big.length) } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        });
        req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        if (!chunked) return void req.end(big);
        // Chunked: the body goes out in 64 KiB pieces, as a stream would send it.
        for (let offset = 0; offset < big.length; offset += 65536) req.write(big.subarray(offset, offset + 65536));
        req.end();
      });
    const viaUndici = async (chunked: boolean): Promise<number | string> => {
      async function* pieces(): AsyncGenerator<Buffer> {
        for (let offset = 0; offset < big.length; offset += 65536) yield big.subarray(offset, offset + 65536);
      }
      try {
        const response = await undiciRequest(url, { method: 'POST', headers, body: chunked ? Readable.from(pieces()) : big, dispatcher: new Agent() });
        await response.body.text();
        return response.statusCode;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      }
    };
    try {
      outcomes['node:http, Content-Length'] = await viaNode(false);
      outcomes['node:http, chunked'] = await viaNode(true);
      outcomes['undici, Content-Length'] = await viaUndici(false);
      outcomes['undici, chunked'] = await viaUndici(true);
    } finally {
      await server.stop();
    }
    expect(outcomes).toEqual({ 'node:http, Content-Length': 413, 'node:http, chunked': 413, 'undici, Content-Length': 413, 'undici, chunked': 413 });
  });

  it('a bulk request with more operations than max_bulk_operations is 413 and runs nothing', async () => {
    const operations = ['a', 'b', 'c', 'd'].map((id) => ({ id, ai: 'apollo', message: id }));
    const reply = await call(limited.url, 'POST', '/api/v2/bulk', { body: JSON.stringify({ operations }), headers: auth });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { count: 4, max_operations: 3 } });
    const within = await call(limited.url, 'POST', '/api/v2/bulk', { body: JSON.stringify({ operations: operations.slice(0, 3) }), headers: auth });
    expect(within.status).toBe(200);
  });
});

describe('a bad token', () => {
  it('gets 401 UNAUTHORIZED with WWW-Authenticate, whatever it asks for', async () => {
    for (const [method, path] of [
      ['GET', '/api/v2/discovery/ais'],
      ['POST', '/api/v2/ai/apollo/stream'],
      ['GET', '/v1/models'],
      ['GET', '/no/such/route'],
    ] as const) {
      const reply = await call(limited.url, method, path, { headers: { authorization: 'Bearer wrong' } });
      expect({ path, status: reply.status }).toEqual({ path, status: 401 });
      expect(reply.headers['www-authenticate']).toBe('Bearer realm="aish"');
      expect(JSON.parse(reply.body).error.code).toBe('UNAUTHORIZED');
    }
    expect((await call(limited.url, 'GET', '/health')).status).toBe(200);
  });
});
