/** Session endpoints over HTTP: id or name, expiry, concurrency, and bad input. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRoster } from '../../src/config/index.js';
import { createApp, startServer, type RunningServer } from '../../src/server/index.js';
import { SpecialistService } from '../../src/service/index.js';
import { manualClock } from '../support/server.js';

let server: RunningServer;
let service: SpecialistService;
const clock = manualClock();

beforeAll(async () => {
  service = new SpecialistService({ roster: builtinRoster(), defaultModel: 'echo', clock: clock.now, database: join(mkdtempSync(join(tmpdir(), 'aish-sessions-')), 'aish.db') });
  server = await startServer(createApp({ service }), { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server.close(100);
  await service.close();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

describe('session endpoints', () => {
  it('create, message by name, get with messages, list, delete', async () => {
    const created = await call('POST', '/api/v2/sessions', { specialist_id: 'apollo', name: 'http-demo', context_window: 5 });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'http-demo', specialist_id: 'apollo', context_window: 5, message_count: 0 });
    const answered = await call('POST', '/api/v2/sessions/http-demo/message', { message: 'hello' });
    expect(answered.json).toMatchObject({ response: '[apollo] hello', session_id: created.json.id, message_count: 2, context_used: 0 });
    const again = await call('POST', `/api/v2/sessions/${created.json.id}/message`, { message: 'again' });
    expect(again.json.context_used).toBe(2);
    const shown = await call('GET', '/api/v2/sessions/http-demo');
    expect(shown.json.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    const listed = await call('GET', '/api/v2/sessions');
    expect(listed.json.sessions.some((s: { id: string }) => s.id === created.json.id)).toBe(true);
    expect((await call('DELETE', '/api/v2/sessions/http-demo')).json).toEqual({ status: 'deleted', session_id: created.json.id });
    expect((await call('GET', '/api/v2/sessions/http-demo')).status).toBe(404);
  });

  it('streams a session message over SSE when asked', async () => {
    await call('POST', '/api/v2/sessions', { specialist_id: 'athena', name: 'sse-demo' });
    const response = await fetch(`${server.url}/api/v2/sessions/sse-demo/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'x y', stream: true }) });
    const text = await response.text();
    expect(text).toContain('event: start');
    expect(text).toMatch(/event: done\ndata: .*"session_id":"ses_[0-9a-f]+","message_count":2/);
  });

  it('50 concurrent messages to one session store exactly 100 messages, pairs never interleaved', async () => {
    const { json: session } = await call('POST', '/api/v2/sessions', { specialist_id: 'apollo', context_window: 1 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => call('POST', `/api/v2/sessions/${session.id}/message`, { message: `m${i}`, model: 'echo?tps=2000' })));
    const shown = await call('GET', `/api/v2/sessions/${session.id}`);
    const messages: { role: string; content: string }[] = shown.json.messages;
    expect(messages).toHaveLength(100);
    for (let i = 0; i < 100; i += 2) {
      expect(messages[i]!.role).toBe('user');
      expect(messages[i + 1]!).toMatchObject({ role: 'assistant', content: `[apollo] ${messages[i]!.content}` });
    }
    expect(new Set(messages.filter((m) => m.role === 'user').map((m) => m.content)).size).toBe(50);
  });

  it('a cancelled message leaves the session exactly as it was', async () => {
    const { json: session } = await call('POST', '/api/v2/sessions', { specialist_id: 'apollo', name: 'cancel-me' });
    await call('POST', '/api/v2/sessions/cancel-me/message', { message: 'kept' });
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/v2/sessions/cancel-me/message`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'one two three four five six', stream: true, model: 'echo?tps=5' }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let seen = '';
    while (!seen.includes('"type":"content"')) seen += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    // The next message waits for the cancelled one to be finished with, so afterwards the store is settled.
    await call('POST', '/api/v2/sessions/cancel-me/message', { message: 'after' });
    const shown = await call('GET', `/api/v2/sessions/${session.id}`);
    expect(shown.json.messages.map((m: { content: string }) => m.content)).toEqual(['kept', '[apollo] kept', 'after', '[apollo] after']);
  });

  it('an expired session refuses messages with 410 and how to renew it, stays readable and listed as expired, and renews', async () => {
    await call('POST', '/api/v2/sessions', { specialist_id: 'apollo', name: 'old-talk', ttl_s: 60 });
    await call('POST', '/api/v2/sessions/old-talk/message', { message: 'kept' });
    clock.advance(61);
    const refused = await call('POST', '/api/v2/sessions/old-talk/message', { message: 'late' });
    expect(refused).toMatchObject({ status: 410, json: { error: { code: 'SESSION_EXPIRED' } } });
    expect(refused.json.error.message).toContain("aish sessions renew old-talk");
    const streamed = await fetch(`${server.url}/api/v2/sessions/old-talk/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'late', stream: true }) });
    expect(streamed.status).toBe(410);
    const shown = await call('GET', '/api/v2/sessions/old-talk');
    expect(shown).toMatchObject({ status: 200, json: { expired: true, message_count: 2 } });
    expect(shown.json.messages.map((m: { content: string }) => m.content)).toEqual(['kept', '[apollo] kept']);
    const listed = await call('GET', '/api/v2/sessions');
    expect(listed.json.sessions.find((s: { name: string }) => s.name === 'old-talk')).toMatchObject({ expired: true });
    const renewed = await call('POST', '/api/v2/sessions/old-talk/renew', {});
    expect(renewed).toMatchObject({ status: 200, json: { name: 'old-talk', expired: false, ttl_s: 60, expires_at: new Date(clock.now() + 60_000).toISOString() } });
    expect((await call('POST', '/api/v2/sessions/old-talk/message', { message: 'again' })).json).toMatchObject({ message_count: 4, context_used: 2 });
  });

  it('renew takes a new ttl_s, and a bare POST with no body renews too', async () => {
    await call('POST', '/api/v2/sessions', { specialist_id: 'apollo', name: 'renew-ttl', ttl_s: 10 });
    clock.advance(11);
    expect((await call('POST', '/api/v2/sessions/renew-ttl/renew', { ttl_s: 0 })).json).toMatchObject({ ttl_s: 0, expires_at: null, expired: false });
    clock.advance(10 * 365 * 86_400);
    expect((await call('GET', '/api/v2/sessions/renew-ttl')).json.expired).toBe(false);
    await call('POST', '/api/v2/sessions/renew-ttl/renew', { ttl_s: 5 });
    clock.advance(6);
    const bare = await fetch(`${server.url}/api/v2/sessions/renew-ttl/renew`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(bare.status).toBe(200);
    expect(await bare.json()).toMatchObject({ ttl_s: 5, expired: false });
    expect((await call('POST', '/api/v2/sessions/renew-ttl/renew', { ttl_s: -1 })).status).toBe(400);
    expect((await call('POST', '/api/v2/sessions/nothing-here/renew', {})).json.error.code).toBe('SESSION_NOT_FOUND');
  });

  it('an expired session can be deleted', async () => {
    await call('POST', '/api/v2/sessions', { specialist_id: 'apollo', name: 'old-gone', ttl_s: 1 });
    clock.advance(2);
    expect((await call('DELETE', '/api/v2/sessions/old-gone')).json).toMatchObject({ status: 'deleted' });
    expect((await call('GET', '/api/v2/sessions/old-gone')).status).toBe(404);
  });

  it('a new session lives 30 days by default', async () => {
    const { json } = await call('POST', '/api/v2/sessions', { specialist_id: 'apollo' });
    expect(json).toMatchObject({ ttl_s: 30 * 86_400, expires_at: new Date(clock.now() + 30 * 86_400_000).toISOString(), expired: false });
  });

  it('bad input is a 4xx with a code', async () => {
    expect((await call('POST', '/api/v2/sessions', {})).json.error.code).toBe('BAD_REQUEST');
    expect((await call('POST', '/api/v2/sessions', { specialist_id: 'nobody' })).json.error.code).toBe('SPECIALIST_NOT_FOUND');
    expect((await call('POST', '/api/v2/sessions', { specialist_id: 'apollo', context_window: -1 })).status).toBe(400);
    await call('POST', '/api/v2/sessions', { specialist_id: 'apollo', name: 'taken' });
    expect(await call('POST', '/api/v2/sessions', { specialist_id: 'apollo', name: 'taken' })).toMatchObject({ status: 409, json: { error: { code: 'SESSION_NAME_TAKEN' } } });
    expect((await call('POST', '/api/v2/sessions/taken/message', { message: '' })).status).toBe(400);
    expect((await call('POST', '/api/v2/sessions/nothing/message', { message: 'x' })).json.error.code).toBe('SESSION_NOT_FOUND');
  });
});
