/** Session endpoints over HTTP: id or name, expiry, concurrency, and bad input. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRoster } from '../../src/config/index.js';
import { createApp, startServer, type RunningServer } from '../../src/server/index.js';
import { SpecialistService } from '../../src/service/index.js';

let server: RunningServer;
let service: SpecialistService;

beforeAll(async () => {
  service = new SpecialistService({ roster: builtinRoster(), defaultModel: 'echo', database: join(mkdtempSync(join(tmpdir(), 'aish-sessions-')), 'aish.db') });
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

  it('an expired session answers 410 SESSION_EXPIRED, GET included', async () => {
    const { json: session } = await call('POST', '/api/v2/sessions', { specialist_id: 'apollo', ttl_s: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await call('GET', `/api/v2/sessions/${session.id}`)).toMatchObject({ status: 410, json: { error: { code: 'SESSION_EXPIRED' } } });
    expect((await call('POST', `/api/v2/sessions/${session.id}/message`, { message: 'x' })).status).toBe(410);
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
