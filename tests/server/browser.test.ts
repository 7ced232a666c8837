/**
 * Web pages must not use a local server behind the user's back. Each request
 * here is shaped exactly as a browser sends it for a page at another origin:
 * a WebSocket with a foreign Origin, a `text/plain` POST (no preflight), a
 * DNS-rebinding request with a foreign Host, a no-cors `<img>` GET.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { builtinRoster } from '../../src/config/index.js';
import { createApp, createWebSocketServer, Protection, startServer, type RunningServer } from '../../src/server/index.js';
import { SpecialistService } from '../../src/service/index.js';
import { call, type Reply } from '../faults/support/misbehaving-client.js';

const EVIL = 'https://evil.example';
const FRIEND = 'http://localhost:5173';

function serviceWithDatabase(): SpecialistService {
  const folder = mkdtempSync(join(tmpdir(), 'aish-browser-'));
  return new SpecialistService({ roster: builtinRoster(), defaultModel: 'echo', database: join(folder, 'aish.db') });
}

async function startGuarded(options: { token?: string; allowedOrigins?: string[] } = {}): Promise<RunningServer & { service: SpecialistService }> {
  const service = serviceWithDatabase();
  const protection = new Protection({ token: options.token });
  const server = await startServer(createApp({ service }), {
    host: '127.0.0.1',
    port: 0,
    protection,
    upgrade: createWebSocketServer({ service, callGate: protection.callGate }),
    authorizeUpgrade: protection.checkUpgrade,
    ...(options.allowedOrigins && { allowedOrigins: options.allowedOrigins }),
  });
  return { ...server, service };
}

/** A WebSocket upgrade with the headers given: 101 when it opens, else the refusal's status and error code. */
function upgrade(url: string, headers: Record<string, string>): Promise<{ status: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => {
      socket.close();
      resolve({ status: 101 });
    });
    socket.on('unexpected-response', (_request, response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, code: JSON.parse(text).error.code }));
    });
    socket.on('error', reject);
  });
}

function corsHeaders(reply: Reply): string[] {
  return Object.keys(reply.headers).filter((name) => name.startsWith('access-control-'));
}

/** The headers Chromium puts on a page's `fetch(url, {method:'POST', mode:'no-cors', body})` to another origin. */
function pagePost(origin: string): Record<string, string> {
  return { origin, 'content-type': 'text/plain;charset=UTF-8', 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'empty' };
}

describe('a server without a token, as aish serve runs by default', () => {
  let server: RunningServer & { service: SpecialistService };
  let port: string;
  beforeAll(async () => {
    server = await startGuarded();
    port = new URL(server.url).port;
    await server.service.createSession({ specialist_id: 'apollo', name: 'private' });
  });
  afterAll(async () => {
    await server.close(100);
    await server.service.close();
  });

  it('refuses a WebSocket from a page at another origin with 403, and takes its own origin and non-browser clients', async () => {
    const ws = `${server.url.replace('http', 'ws')}/ws/ai/apollo`;
    expect(await upgrade(ws, { origin: EVIL })).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect(await upgrade(ws, { origin: 'http://127.0.0.1:9' })).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect(await upgrade(ws, { origin: 'null' })).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect(await upgrade(ws, { origin: `http://127.0.0.1:${port}` })).toEqual({ status: 101 });
    expect(await upgrade(ws, {})).toEqual({ status: 101 });
  });

  it('refuses a text/plain POST with 415 (and a page sending one with 403), and stores nothing', async () => {
    const body = JSON.stringify({ message: 'planted by a web page' });
    const plain = await call(server.url, 'POST', '/api/v2/sessions/private/message', { body, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    expect(plain.status).toBe(415);
    expect(JSON.parse(plain.body).error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('application/json') });
    const fromPage = await call(server.url, 'POST', '/api/v2/sessions/private/message', { body, headers: pagePost('http://127.0.0.1:9') });
    expect(fromPage.status).toBe(403);
    const form = await call(server.url, 'POST', '/api/v2/sessions', { body: 'specialist_id=apollo', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    const none = await call(server.url, 'POST', '/api/v2/ai/apollo/message', { body, headers: { 'content-type': '' } });
    expect(none.status).toBe(415);
    expect((await server.service.getSession('private')).message_count).toBe(0);
    const json = await call(server.url, 'POST', '/api/v2/ai/apollo/message', { body: JSON.stringify({ content: 'hi' }), headers: { 'content-type': 'Application/JSON; charset=utf-8' } });
    expect(json.status).toBe(200);
  });

  it('refuses a request whose Host is not a loopback name (DNS rebinding) with 403, and takes localhost, 127.0.0.1 and [::1]', async () => {
    const rebound = await call(server.url, 'GET', '/api/v2/sessions/private', { headers: { host: `rebind.evil.example:${port}` } });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error.code).toBe('FORBIDDEN');
    expect(rebound.body).not.toContain('private');
    const ws = await upgrade(`${server.url.replace('http', 'ws')}/ws/ai/apollo`, { host: `rebind.evil.example:${port}`, origin: `http://rebind.evil.example:${port}` });
    expect(ws).toEqual({ status: 403, code: 'FORBIDDEN' });
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost']) {
      expect({ host, status: (await call(server.url, 'GET', '/api/v2/sessions', { headers: { host } })).status }).toEqual({ host, status: 200 });
    }
  });

  it('refuses a cross-site no-cors GET (an <img> pointing at a stream) before any model call', async () => {
    const img = await call(server.url, 'GET', '/api/v2/ai/apollo/stream?content=spend', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' } });
    expect(img.status).toBe(403);
    const before = (await server.service.list()).find((specialist) => specialist.id === 'apollo')!.performance.requests;
    await call(server.url, 'GET', '/api/v2/ai/apollo/stream?content=spend', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' } });
    expect((await server.service.list()).find((specialist) => specialist.id === 'apollo')!.performance.requests).toBe(before);
  });

  it('sends no Access-Control-Allow-* headers, and refuses a preflight from a page', async () => {
    const get = await call(server.url, 'GET', '/api/v2/sessions', { headers: { origin: `http://127.0.0.1:${port}` } });
    expect(get.status).toBe(200);
    expect(corsHeaders(get)).toEqual([]);
    const preflight = await call(server.url, 'OPTIONS', '/api/v2/sessions', { headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(preflight.status).toBe(403);
    expect(corsHeaders(preflight)).toEqual([]);
  });
});

describe('server.allowed_origins', () => {
  let server: RunningServer & { service: SpecialistService };
  beforeAll(async () => {
    server = await startGuarded({ allowedOrigins: [`${FRIEND}/`] });
  });
  afterAll(async () => {
    await server.close(100);
    await server.service.close();
  });

  it('answers a preflight from a listed origin, and puts CORS headers on its requests', async () => {
    const preflight = await call(server.url, 'OPTIONS', '/api/v2/ai/apollo/message', { headers: { origin: FRIEND, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': FRIEND, 'access-control-allow-methods': 'GET, POST, DELETE', 'access-control-allow-headers': 'authorization, content-type' });
    const post = await call(server.url, 'POST', '/api/v2/ai/apollo/message', { body: JSON.stringify({ content: 'hi' }), headers: { origin: FRIEND } });
    expect(post.status).toBe(200);
    expect(post.headers['access-control-allow-origin']).toBe(FRIEND);
    expect(await upgrade(`${server.url.replace('http', 'ws')}/ws/ai/apollo`, { origin: FRIEND })).toEqual({ status: 101 });
  });

  it('still refuses every other origin, with no CORS headers', async () => {
    const other = await call(server.url, 'GET', '/api/v2/sessions', { headers: { origin: EVIL } });
    expect(other.status).toBe(403);
    expect(corsHeaders(other)).toEqual([]);
    expect(await upgrade(`${server.url.replace('http', 'ws')}/ws/ai/apollo`, { origin: EVIL })).toEqual({ status: 403, code: 'FORBIDDEN' });
  });
});

describe('a server with a token', () => {
  it('takes any Host (pages cannot know the token), and ?token= only on upgrades and GET …/stream', async () => {
    const server = await startGuarded({ token: 'a-long-enough-token-1' });
    try {
      const port = new URL(server.url).port;
      const named = await call(server.url, 'GET', '/api/v2/sessions', { headers: { host: `aish.internal:${port}`, authorization: 'Bearer a-long-enough-token-1' } });
      expect(named.status).toBe(200);
      expect((await call(server.url, 'GET', '/api/v2/sessions?token=a-long-enough-token-1')).status).toBe(401);
      expect((await call(server.url, 'POST', '/api/v2/ai/apollo/message?token=a-long-enough-token-1', { body: JSON.stringify({ content: 'x' }) })).status).toBe(401);
      expect((await call(server.url, 'POST', '/api/v2/ai/apollo/stream?token=a-long-enough-token-1', { body: JSON.stringify({ content: 'x' }) })).status).toBe(401);
      const stream = await call(server.url, 'GET', '/api/v2/ai/apollo/stream?content=x&token=a-long-enough-token-1');
      expect(stream.status).toBe(200);
      expect(stream.body).toContain('event: done');
      expect(await upgrade(`${server.url.replace('http', 'ws')}/ws/ai/apollo?token=a-long-enough-token-1`, {})).toEqual({ status: 101 });
    } finally {
      await server.close(100);
      await server.service.close();
    }
  });
});
