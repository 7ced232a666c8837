/** Per-client limits: requests per minute (token bucket) and concurrent streams. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Coordinator } from '../../src/coord/index.js';
import { createApp, Protection, RateLimiter, startServer, StreamSlots } from '../../src/server/index.js';
import { tempHome } from '../support/aish.js';
import { embeddedService } from '../support/server.js';
import { call } from '../faults/support/misbehaving-client.js';
import { startServeWith } from '../faults/support/serve-process.js';

describe('the token bucket', () => {
  it('allows a burst of the whole minute, then one request per 60/N seconds', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(60, () => now);
    for (let i = 0; i < 60; i++) expect(limiter.take('a').allowed).toBe(true);
    const refused = limiter.take('a');
    expect(refused).toMatchObject({ allowed: false, limit: 60, remaining: 0, retryAfterS: 1 });
    now += 1000;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('says when to retry in whole seconds and when the bucket is full again in Unix seconds', () => {
    let now = 1_700_000_000_000;
    const limiter = new RateLimiter(2, () => now);
    limiter.take('a');
    limiter.take('a');
    const refused = limiter.take('a');
    expect(refused.retryAfterS).toBe(30);
    expect(refused.resetAt).toBe(1_700_000_000 + 60);
    now += 30_000;
    expect(limiter.take('a')).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('keeps one bucket per client', () => {
    const limiter = new RateLimiter(1, () => 0);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('forgets clients whose bucket is full again, so a flood of addresses does not grow memory without end', () => {
    let now = 0;
    const limiter = new RateLimiter(60, () => now);
    for (let i = 0; i < 10_000; i++) limiter.take(`client-${i}`);
    now += 61_000;
    limiter.take('one-more');
    expect(limiter.clients).toBe(1);
  });
});

describe('stream slots', () => {
  it('hold at most max per client, and a released slot (once, however often released) can be taken again', () => {
    const slots = new StreamSlots(2);
    const first = slots.acquire('a')!;
    expect(slots.acquire('a')).toBeDefined();
    expect(slots.acquire('a')).toBeUndefined();
    expect(slots.acquire('b')).toBeDefined();
    first.release();
    first.release();
    expect(slots.open('a')).toBe(1);
    expect(slots.acquire('a')).toBeDefined();
    expect(slots.acquire('a')).toBeUndefined();
  });
});

describe('the server with limits', () => {
  it('counts each client apart: its token, else its address', async () => {
    const server = await startServer(createApp({ service: embeddedService() }), { host: '127.0.0.1', port: 0, protection: new Protection({ rateLimit: 2 }) });
    try {
      const from = (address: string): Promise<number> => call(server.url, 'GET', '/api/capabilities', { localAddress: address }).then((reply) => reply.status);
      expect([await from('127.0.0.2'), await from('127.0.0.2'), await from('127.0.0.2')]).toEqual([200, 200, 429]);
      expect(await from('127.0.0.3')).toBe(200);
    } finally {
      await server.close(100);
    }
  });

  it('puts X-RateLimit-* on answered requests too, and never limits /health', async () => {
    const server = await startServer(createApp({ service: embeddedService() }), { host: '127.0.0.1', port: 0, protection: new Protection({ rateLimit: 3 }) });
    try {
      const first = await call(server.url, 'GET', '/api/capabilities');
      expect(first.status).toBe(200);
      expect(first.headers).toMatchObject({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '2' });
      for (let i = 0; i < 10; i++) expect((await call(server.url, 'GET', '/health')).status).toBe(200);
      expect((await call(server.url, 'GET', '/api/capabilities')).headers['x-ratelimit-remaining']).toBe('1');
    } finally {
      await server.close(100);
    }
  });

  it('refuses a stream over max_streams with 429 and the headers, on every kind of stream, until one ends', async () => {
    const server = await startServer(createApp({ service: embeddedService() }), { host: '127.0.0.1', port: 0, protection: new Protection({ maxStreams: 1 }) });
    try {
      // 40 words at 20 a second: open for two seconds.
      const long = call(server.url, 'POST', '/api/v2/ai/apollo/stream', { body: JSON.stringify({ content: 'word '.repeat(40), model: 'echo?tps=20' }) });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const refusals = [
        await call(server.url, 'GET', '/api/v2/ai/athena/stream?content=x'),
        await call(server.url, 'POST', '/v1/chat/completions', { body: JSON.stringify({ model: 'athena', stream: true, messages: [{ role: 'user', content: 'x' }] }) }),
        await call(server.url, 'POST', '/api/v2/bulk', { body: JSON.stringify({ stream: true, operations: [{ id: 'a', ai: 'athena', message: 'x' }] }) }),
      ];
      for (const refused of refusals) {
        expect(refused.status).toBe(429);
        expect(refused.headers['retry-after']).toBe('1');
        expect(refused.headers['x-ratelimit-limit']).toBe('1');
        expect(refused.headers['x-ratelimit-remaining']).toBe('0');
        expect(refused.headers['x-ratelimit-reset']).toMatch(/^\d+$/);
      }
      expect(JSON.parse(refusals[0]!.body).error.code).toBe('RATE_LIMITED');
      // A request that is not a stream is not held back by open streams.
      expect((await call(server.url, 'POST', '/api/v2/ai/athena/message', { body: JSON.stringify({ content: 'x' }) })).status).toBe(200);
      expect((await long).body).toContain('event: done');
      expect((await call(server.url, 'GET', '/api/v2/ai/athena/stream?content=x')).status).toBe(200);
    } finally {
      await server.close(100);
    }
  });

  it('takes a streaming request\'s token and slot in one call when the limits offer it (shared limits: one round trip), with the same refusals', async () => {
    const calls: string[] = [];
    const limiter = new RateLimiter(10);
    const slots = new StreamSlots(1);
    const coordinator: Coordinator = {
      backend: 'redis',
      sessionLocks: undefined,
      statusRelay: undefined,
      rateLimits: (perMinute) => ({
        perMinute,
        take: (client) => (calls.push('take'), limiter.take(client)),
        // As a shared backend does: the slot of the same pool, in the same call.
        takeWithSlot: async (client) => {
          calls.push('takeWithSlot');
          const decision = limiter.take(client);
          return { decision, slot: decision.allowed ? slots.acquire(client) : undefined };
        },
      }),
      streamSlots: (max) => ({ max, acquire: (client) => (calls.push('acquire'), slots.acquire(client)) }),
      health: async () => ({}),
      close: async () => {},
    };
    const server = await startServer(createApp({ service: embeddedService() }), { host: '127.0.0.1', port: 0, protection: new Protection({ rateLimit: 10, maxStreams: 1, coordinator }) });
    try {
      const long = call(server.url, 'POST', '/api/v2/ai/apollo/stream', { body: JSON.stringify({ content: 'word '.repeat(40), model: 'echo?tps=20' }) });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(calls).toEqual(['takeWithSlot']);
      const refused = await call(server.url, 'GET', '/api/v2/ai/athena/stream?content=x');
      expect(refused.status).toBe(429);
      expect(refused.headers).toMatchObject({ 'retry-after': '1', 'x-ratelimit-limit': '1', 'x-ratelimit-remaining': '0' });
      expect(JSON.parse(refused.body).error.code).toBe('RATE_LIMITED');
      expect((await call(server.url, 'GET', '/api/capabilities')).headers).toMatchObject({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '7' });
      expect(calls).toEqual(['takeWithSlot', 'takeWithSlot', 'take']);
      expect((await long).body).toContain('event: done');
    } finally {
      await server.close(100);
    }
  });
});

describe('aish serve limits', () => {
  it('reads server.rate_limit from the config, and a flag wins over it', async () => {
    const home = tempHome();
    mkdirSync(join(home, '.config', 'aish'), { recursive: true });
    writeFileSync(join(home, '.config', 'aish', 'config.yaml'), 'server:\n  rate_limit: 2\n  max_streams: 5\n');
    const fromConfig = await startServeWith([], { home });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await call(fromConfig.url, 'GET', '/api/v2/sessions')).status);
      expect(statuses[2]).toBe(429);
      expect((await call(fromConfig.url, 'GET', '/api/capabilities')).headers['x-ratelimit-limit']).toBe('2');
    } finally {
      await fromConfig.stop();
    }
    const fromFlag = await startServeWith(['--rate-limit', '0'], { home });
    try {
      for (let i = 0; i < 5; i++) expect((await call(fromFlag.url, 'GET', '/api/v2/sessions')).status).toBe(200);
      expect((await call(fromFlag.url, 'GET', '/api/capabilities')).headers['x-ratelimit-limit']).toBeUndefined();
    } finally {
      await fromFlag.stop();
    }
  });

  it('counts WebSocket streams in the same max_streams as SSE streams', async () => {
    const server = await startServeWith(['--max-streams', '1']);
    try {
      // 30 words at 10 a second: the SSE stream holds the only slot for three seconds.
      const sse = call(server.url, 'POST', '/api/v2/ai/apollo/stream', { body: JSON.stringify({ content: 'word '.repeat(30), model: 'echo?tps=10' }) });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/ai/apollo`);
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const answer = new Promise<{ error?: { code: number; data?: { code: string } } }>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)))));
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'stream', params: { message: 'hi' } }));
      expect((await answer).error).toMatchObject({ code: -32004, data: { code: 'RATE_LIMITED' } });
      socket.close();
      expect((await sse).body).toContain('event: done');
    } finally {
      await server.stop();
    }
  });
});
