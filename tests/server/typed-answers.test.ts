/**
 * Typed answers over the wire: `schema` / `schema_multi` in message bodies
 * (HTTP, SSE, sessions, WebSocket, bulk), `data` in every answer, and 422
 * SCHEMA_MISMATCH / JSON-RPC -32006 when the answer does not match.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRoster } from '../../src/config/index.js';
import { SpecialistService } from '../../src/service/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { startFakeProviderServer, type FakeProviderServer } from '../providers/support/fake-provider-server.js';
import { startServerOverOpenAi, startTestServer } from '../support/server.js';
import { connect, startWsServer } from '../support/ws-rpc.js';

const SCHEMA = { type: 'object', properties: { name: { type: 'string' }, born: { type: 'integer' } }, required: ['name', 'born'], additionalProperties: false };

let server: RunningServer | undefined;
let fake: FakeProviderServer | undefined;
afterEach(async () => {
  await server?.close(100);
  await fake?.close();
  server = undefined;
  fake = undefined;
});

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${server!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** A fake OpenAI that always answers `text` (streamed). */
async function providerAnswering(text: string): Promise<FakeProviderServer> {
  const chunk = (delta: object, finish: string | null): string => `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  return startFakeProviderServer(() => ({ status: 200, headers: [['content-type', 'text/event-stream']], body: Buffer.from(chunk({ content: text }, null) + chunk({}, 'stop') + 'data: [DONE]\n\n') }));
}

describe('a message body with a schema', () => {
  it('POST …/message answers the JSON text as content and the value as data', async () => {
    server = await startTestServer();
    const response = await post('/api/v2/ai/apollo/message', { content: 'Ada', schema: SCHEMA });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ content: '{"name":"Ada","born":0}', data: { name: 'Ada', born: 0 }, specialist_id: 'apollo' });
  });

  it('schema_multi answers a list: data is the array, content one JSON value per line', async () => {
    server = await startTestServer();
    const response = await post('/api/v2/ai/apollo/message', { content: 'Ada', schema: SCHEMA, schema_multi: true });
    expect(await response.json()).toMatchObject({ content: '{"name":"Ada","born":0}', data: [{ name: 'Ada', born: 0 }] });
  });

  it('the SSE done event carries data', async () => {
    server = await startTestServer();
    const text = await (await post('/api/v2/ai/apollo/stream', { content: 'Ada', schema: SCHEMA })).text();
    const done = text.split('\n').find((line) => line.startsWith('data: {"type":"done"'));
    expect(JSON.parse(done!.slice('data: '.length))).toMatchObject({ type: 'done', data: { name: 'Ada', born: 0 } });
    expect(text).toContain('data: {"type":"content","data":"{\\"name\\":\\"Ada\\",\\"born\\":0}"');
  });

  it('a session message answers data and keeps the JSON text in the session', async () => {
    server = await startTestServer(new SpecialistService({ roster: builtinRoster(), defaultModel: 'echo', database: join(mkdtempSync(join(tmpdir(), 'aish-typed-')), 'aish.db') }));
    const session = (await (await post('/api/v2/sessions', { specialist_id: 'apollo' })).json()) as { id: string };
    const answer = await (await post(`/api/v2/sessions/${session.id}/message`, { message: 'Ada', schema: SCHEMA })).json();
    expect(answer).toMatchObject({ response: '{"name":"Ada","born":0}', data: { name: 'Ada', born: 0 }, message_count: 2 });
  });

  it('bulk operations may carry a schema; their results carry data', async () => {
    server = await startTestServer();
    const answer = (await (await post('/api/v2/bulk', { operations: [{ id: 'op1', ai: 'apollo', message: 'Ada', schema: SCHEMA }, { id: 'op2', ai: 'athena', message: 'plain' }] })).json()) as {
      results: Record<string, { response: string; data?: unknown }>;
    };
    expect(answer.results.op1).toMatchObject({ status: 'success', response: '{"name":"Ada","born":0}', data: { name: 'Ada', born: 0 } });
    expect(answer.results.op2!.data).toBeUndefined();
  });

  it('a schema that is not an object, or schema_multi without one, is 400 naming the field', async () => {
    server = await startTestServer();
    const notObject = await post('/api/v2/ai/apollo/message', { content: 'x', schema: 'name, born int' });
    expect(notObject.status).toBe(400);
    expect(await notObject.json()).toMatchObject({ error: { code: 'BAD_REQUEST', message: "'schema' must be a JSON object" } });
    const lonely = await post('/api/v2/ai/apollo/message', { content: 'x', schema_multi: true });
    expect(await lonely.json()).toMatchObject({ error: { code: 'BAD_REQUEST', details: { field: 'schema_multi' } } });
    const invalid = await post('/api/v2/ai/apollo/message', { content: 'x', schema: { type: 'nonsense' } });
    expect(invalid.status).toBe(400);
  });
});

describe('an answer that does not match', () => {
  it('is 422 SCHEMA_MISMATCH with the errors in details, after one repair', async () => {
    fake = await providerAnswering('{"name":"Ada","born":"1815"}');
    server = await startServerOverOpenAi(fake.origin);
    const response = await post('/api/v2/ai/apollo/message', { content: 'Ada', schema: SCHEMA });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { code: string; message: string; details: { errors: string[] } } };
    expect(body.error.code).toBe('SCHEMA_MISMATCH');
    expect(body.error.message).toBe('the answer does not match the schema: /born: must be integer');
    expect(body.error.details.errors).toEqual(['/born: must be integer']);
    expect(fake.requests).toHaveLength(2);
  });

  it('ends an SSE stream with an error event naming SCHEMA_MISMATCH', async () => {
    fake = await providerAnswering('nope');
    server = await startServerOverOpenAi(fake.origin);
    const text = await (await post('/api/v2/ai/apollo/stream', { content: 'Ada', schema: SCHEMA })).text();
    expect(text).toMatch(/event: error\ndata: \{"type":"error","code":"SCHEMA_MISMATCH"/);
    expect(text).not.toContain('"type":"content"');
  });
});

describe('WebSocket chat and stream with a schema', () => {
  it('the result carries data, and a mismatch is error -32006 with the HTTP body in data', async () => {
    const ws = await startWsServer();
    server = ws;
    const client = await connect(ws.wsUrl('apollo'));
    try {
      const chat = await client.exchange(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'chat', params: { message: 'Ada', schema: SCHEMA } }));
      expect(chat.result).toMatchObject({ content: '{"name":"Ada","born":0}', data: { name: 'Ada', born: 0 } });
      const stream = await client.exchange(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'stream', params: { message: 'Ada', schema: SCHEMA, schema_multi: true } }));
      expect(stream.result.data).toEqual([{ name: 'Ada', born: 0 }]);
    } finally {
      client.socket.close();
    }
  });

  it('a mismatch is error -32006 with SCHEMA_MISMATCH in its data', async () => {
    fake = await providerAnswering('{}');
    const service = new SpecialistService({ roster: builtinRoster(), defaultModel: 'openai/gpt-4o-mini', providers: { openai: { api_key: 'sk-test', base_url: `${fake.origin}/v1` } } });
    const ws = await startWsServer({ service });
    server = ws;
    const client = await connect(ws.wsUrl('apollo'));
    try {
      const answer = await client.exchange(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'chat', params: { message: 'Ada', schema: SCHEMA } }));
      expect(answer.error).toMatchObject({ code: -32006, data: { code: 'SCHEMA_MISMATCH' } });
    } finally {
      client.socket.close();
    }
  });
});
