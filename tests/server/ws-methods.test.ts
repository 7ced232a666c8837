/** The WebSocket endpoint's methods, its upgrade refusals and its shutdown. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { builtinRoster } from '../../src/config/index.js';
import { AishError, RPC_METHODS } from '../../src/protocol/index.js';
import { SpecialistService } from '../../src/service/index.js';
import { manualClock } from '../support/server.js';
import { connect, startWsServer, type RecordingClient, type WsTestServer } from '../support/ws-rpc.js';

const clock = manualClock();

function serviceWithDatabase(): SpecialistService {
  const folder = mkdtempSync(join(tmpdir(), 'aish-ws-'));
  return new SpecialistService({ roster: builtinRoster(), defaultModel: 'echo', clock: clock.now, database: join(folder, 'aish.db') });
}

function request(method: string, params: unknown, id: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', method, params, id });
}

/** The frames a request produced: its notifications (by request_id) and its response (by id). */
function framesOf(client: RecordingClient, id: unknown): any[] {
  return client.frames.filter((frame: any) => frame.id === id || frame.params?.request_id === id);
}

/** How an upgrade was refused: status and JSON body. */
function refusal(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('unexpected-response', (_request, response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
    socket.on('open', () => reject(new Error('the upgrade was accepted')));
    socket.on('error', () => {});
  });
}

let server: WsTestServer;

beforeAll(async () => {
  server = await startWsServer({ service: serviceWithDatabase() });
});

afterAll(async () => {
  await server.close(100);
});

describe('the method table', () => {
  it('answers every method the shared descriptors declare, and no other', async () => {
    const client = await connect(server.wsUrl('apollo'));
    for (const { method } of Object.values(RPC_METHODS)) {
      const response = await client.exchange(request(method, {}, `probe-${method}`));
      expect({ method, code: response.error?.code }).not.toEqual({ method, code: -32601 });
    }
    const unknown = await client.exchange(request('nosuch', {}, 'probe-unknown'));
    expect(unknown.error.data.message).toBe(`no method 'nosuch' (methods: ${Object.values(RPC_METHODS).map(({ method }) => method).join(', ')})`);
    client.close();
  });
});

describe('many calls on one connection', () => {
  it('runs 16 streams at once without a MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const record = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', record);
    try {
      const client = await connect(server.wsUrl('apollo'));
      const ids = Array.from({ length: 16 }, (_, index) => `many-${index}`);
      for (const id of ids) client.send(request('stream', { message: 'a b c d', model: 'echo?tps=40' }, id));
      const answers = await Promise.all(ids.map((id) => client.next((frame) => frame.id === id)));
      expect(answers.map((answer) => answer.result?.content)).toEqual(ids.map(() => '[apollo] a b c d'));
      client.close();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', record);
    }
    expect(warnings).toEqual([]);
  });
});

describe('stream', () => {
  it('sends stream.start, stream.chunk per piece, then stream.complete, then the response', async () => {
    const client = await connect(server.wsUrl('apollo'));
    const response = await client.exchange(request('stream', { message: 'one two three' }, 's1'));
    const frames = framesOf(client, 's1');
    expect(frames[0]).toEqual({ jsonrpc: '2.0', method: 'stream.start', params: { request_id: 's1', specialist_id: 'apollo', model: 'echo' } });
    expect(frames.slice(1, 5)).toEqual(
      ['[apollo] ', 'one ', 'two ', 'three'].map((content, index) => ({ jsonrpc: '2.0', method: 'stream.chunk', params: { request_id: 's1', content, chunk_index: index } })),
    );
    expect(frames[5]).toEqual({ jsonrpc: '2.0', method: 'stream.complete', params: { request_id: 's1', total_chunks: 4, tokens_used: response.result.tokens_used } });
    expect(frames[6]).toBe(response);
    expect(response.result).toMatchObject({ content: '[apollo] one two three', specialist_id: 'apollo', model: 'echo', finish_reason: 'stop' });
    client.close();
  });

  it('runs several streams on one connection at once, each chunk tagged with its request', async () => {
    const client = await connect(server.wsUrl('apollo'));
    const messages = { a: 'alpha beta gamma delta', b: 'one two three four five', c: 'x y z' };
    const answers = await Promise.all(
      Object.entries(messages).map(([id, message]) => {
        client.send(request('stream', { message, model: 'echo?tps=40' }, id));
        return client.next((frame) => frame.id === id);
      }),
    );
    for (const [id, message] of Object.entries(messages)) {
      const chunks = framesOf(client, id).filter((frame) => frame.method === 'stream.chunk');
      expect(chunks.map((frame) => frame.params.chunk_index)).toEqual(chunks.map((_, index) => index));
      expect(chunks.map((frame) => frame.params.content).join('')).toBe(`[apollo] ${message}`);
    }
    expect(answers.map((answer) => answer.result.content)).toEqual(Object.values(messages).map((message) => `[apollo] ${message}`));
    // Concurrent, not one after another: every stream had started before the first one finished.
    const firstDone = client.frames.findIndex((frame: any) => 'result' in frame);
    for (const id of Object.keys(messages)) expect(client.frames.findIndex((frame: any) => frame.params?.request_id === id)).toBeLessThan(firstDone);
    client.close();
  });

  it('cancel stops a running stream: its response is -32003 Cancelled', async () => {
    const client = await connect(server.wsUrl('apollo'));
    client.send(request('stream', { message: 'a b c d e f g h i j k l m n o p', model: 'echo?tps=20' }, 7));
    await client.next((frame) => frame.method === 'stream.chunk' && frame.params.request_id === 7);
    expect(await client.exchange(request('cancel', { request_id: 7 }, 'c'))).toEqual({ jsonrpc: '2.0', result: { request_id: 7, cancelled: true }, id: 'c' });
    expect(await client.next((frame) => frame.id === 7)).toEqual({
      jsonrpc: '2.0',
      error: { code: -32003, message: 'Cancelled', data: { code: 'CANCELLED', message: 'Cancelled', details: { request_id: 7 } } },
      id: 7,
    });
    expect(framesOf(client, 7).some((frame) => frame.method === 'stream.complete')).toBe(false);
    // Nothing runs under that id any more.
    expect(await client.exchange(request('cancel', { request_id: 7 }, 'c2'))).toEqual({ jsonrpc: '2.0', result: { request_id: 7, cancelled: false }, id: 'c2' });
    client.close();
  });

  it('refuses a second running call under an id that is still running', async () => {
    const client = await connect(server.wsUrl('apollo'));
    client.send(request('stream', { message: 'a b c d e f', model: 'echo?tps=20' }, 'same'));
    await client.next((frame) => frame.params?.request_id === 'same');
    client.send(request('chat', { message: 'x' }, 'same'));
    const refused = await client.next((frame) => frame.id === 'same' && 'error' in frame);
    expect(refused.error).toMatchObject({ code: -32600, message: 'Invalid Request' });
    expect((await client.next((frame) => frame.id === 'same' && 'result' in frame)).result.content).toBe('[apollo] a b c d e f');
    client.close();
  });
});

describe('chat, ping and the endpoint specialist', () => {
  it('ping answers "pong"', async () => {
    const client = await connect(server.wsUrl('apollo'));
    expect(await client.exchange(request('ping', {}, 1))).toEqual({ jsonrpc: '2.0', result: 'pong', id: 1 });
    client.close();
  });

  it('an alias in the path reaches the specialist it names', async () => {
    const client = await connect(server.wsUrl('athena-ai'));
    expect((await client.exchange(request('chat', { message: 'hi' }, 1))).result).toMatchObject({ content: '[athena] hi', specialist_id: 'athena' });
    client.close();
  });
});

describe('subscribe', () => {
  it('sends event.status on a status change until unsubscribed', async () => {
    const client = await connect(server.wsUrl('apollo'));
    expect(await client.exchange(request('subscribe', { events: ['status'] }, 1))).toEqual({ jsonrpc: '2.0', result: { subscribed: ['status'] }, id: 1 });
    server.service.statuses.set('athena', 'degraded');
    expect(await client.next((frame) => frame.method === 'event.status')).toEqual({
      jsonrpc: '2.0',
      method: 'event.status',
      params: { specialist_id: 'athena', status: 'degraded' },
    });
    expect(await client.exchange(request('unsubscribe', { events: ['status'] }, 2))).toEqual({ jsonrpc: '2.0', result: { subscribed: [] }, id: 2 });
    server.service.statuses.set('athena', 'active');
    await client.exchange(request('ping', {}, 3));
    expect(client.frames.filter((frame: any) => frame.method === 'event.status')).toHaveLength(1);
    client.close();
  });

  it('refuses events it does not know (-32602)', async () => {
    const client = await connect(server.wsUrl('apollo'));
    const answer = await client.exchange(request('subscribe', { events: ['weather'] }, 1));
    expect(answer.error).toMatchObject({ code: -32602, message: 'Invalid params' });
    client.close();
  });
});

describe('sessions', () => {
  it('session.create, chat and stream in the session, session.get, session.end', async () => {
    const client = await connect(server.wsUrl('apollo'));
    const created = (await client.exchange(request('session.create', { name: 'ws-project' }, 1))).result;
    expect(created).toMatchObject({ name: 'ws-project', specialist_id: 'apollo', message_count: 0 });
    expect(created.id).toMatch(/^ses_/);
    const chat = (await client.exchange(request('chat', { message: 'first', session_id: 'ws-project' }, 2))).result;
    expect(chat).toMatchObject({ content: '[apollo] first', session_id: created.id, message_count: 2 });
    const streamed = (await client.exchange(request('stream', { message: 'second', session_id: created.id }, 3))).result;
    expect(streamed).toMatchObject({ content: '[apollo] second', session_id: created.id, message_count: 4 });
    const detail = (await client.exchange(request('session.get', { session_id: 'ws-project' }, 4))).result;
    expect(detail.messages.map((message: any) => [message.role, message.content])).toEqual([
      ['user', 'first'],
      ['assistant', '[apollo] first'],
      ['user', 'second'],
      ['assistant', '[apollo] second'],
    ]);
    expect(await client.exchange(request('session.end', { session_id: 'ws-project' }, 5))).toEqual({
      jsonrpc: '2.0',
      result: { status: 'deleted', session_id: created.id },
      id: 5,
    });
    expect(await client.exchange(request('session.get', { session_id: 'ws-project' }, 6))).toEqual({
      jsonrpc: '2.0',
      error: { code: -32005, message: "no session 'ws-project'", data: { code: 'SESSION_NOT_FOUND', message: "no session 'ws-project'", details: { session_id: 'ws-project' } } },
      id: 6,
    });
    client.close();
  });

  it('a message in a session takes context_window for that call, and says how many messages the model saw', async () => {
    const client = await connect(server.wsUrl('apollo'));
    const created = (await client.exchange(request('session.create', { name: 'ws-window' }, 1))).result;
    for (const [index, message] of ['one', 'two'].entries()) await client.exchange(request('chat', { message, session_id: created.id }, 10 + index));
    expect((await client.exchange(request('stream', { message: 'all', session_id: created.id }, 2))).result).toMatchObject({ context_used: 4, message_count: 6 });
    expect((await client.exchange(request('stream', { message: 'last', session_id: created.id, context_window: 1 }, 3))).result).toMatchObject({ context_used: 2, message_count: 8 });
    expect((await client.exchange(request('chat', { message: 'bad', session_id: created.id, context_window: -1 }, 4))).error).toMatchObject({ code: -32602, data: { details: { field: 'context_window' } } });
    client.close();
  });

  it('a chat in a session that does not exist is -32005', async () => {
    const client = await connect(server.wsUrl('apollo'));
    const answer = await client.exchange(request('chat', { message: 'x', session_id: 'ses_nothing' }, 1));
    expect(answer.error).toMatchObject({ code: -32005, data: { code: 'SESSION_NOT_FOUND' } });
    client.close();
  });

  it('a message to an expired session is -32000 saying how to renew it; session.renew lets it take messages again', async () => {
    const client = await connect(server.wsUrl('apollo'));
    const created = (await client.exchange(request('session.create', { name: 'ws-expiring', ttl_s: 30 }, 1))).result;
    clock.advance(31);
    const refused = await client.exchange(request('chat', { message: 'late', session_id: 'ws-expiring' }, 2));
    expect(refused.error).toMatchObject({ code: -32000, data: { code: 'SESSION_EXPIRED' } });
    expect(refused.error.message).toContain("aish sessions renew ws-expiring");
    expect((await client.exchange(request('session.get', { session_id: 'ws-expiring' }, 3))).result).toMatchObject({ id: created.id, expired: true });
    const renewed = (await client.exchange(request('session.renew', { session_id: 'ws-expiring', ttl_s: 120 }, 4))).result;
    expect(renewed).toMatchObject({ id: created.id, ttl_s: 120, expired: false });
    expect((await client.exchange(request('chat', { message: 'again', session_id: 'ws-expiring' }, 5))).result).toMatchObject({ content: '[apollo] again', message_count: 2 });
    expect((await client.exchange(request('session.renew', { session_id: 'ws-expiring', ttl_s: 'soon' }, 6))).error).toMatchObject({ code: -32602 });
    client.close();
  });

  it('a taken session name is -32602 naming the conflict', async () => {
    const client = await connect(server.wsUrl('apollo'));
    await client.exchange(request('session.create', { name: 'taken' }, 1));
    const answer = await client.exchange(request('session.create', { name: 'taken' }, 2));
    expect(answer.error).toMatchObject({ code: -32602, data: { code: 'SESSION_NAME_TAKEN' } });
    client.close();
  });
});

describe('upgrades', () => {
  it('an unknown specialist is refused with 404 SPECIALIST_NOT_FOUND before any WebSocket exists', async () => {
    const refused = await refusal(server.wsUrl('nobody'));
    expect(refused.status).toBe(404);
    expect(refused.body.error).toMatchObject({ code: 'SPECIALIST_NOT_FOUND' });
  });

  it('a path that is not /ws/ai/{id} is refused with 404', async () => {
    const refused = await refusal(`${server.url.replace('http', 'ws')}/ws/elsewhere`);
    expect(refused).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no WebSocket endpoint at /ws/elsewhere (use /ws/ai/{id})' } } });
  });

  it('the upgrade check runs first: UNAUTHORIZED is a 401 on the raw socket, with its headers', async () => {
    const guarded = await startWsServer({
      authorizeUpgrade: (incoming) =>
        incoming.headers.authorization === 'Bearer T' ? undefined : { error: new AishError('UNAUTHORIZED', 'this server needs a token'), headers: { 'WWW-Authenticate': 'Bearer' } },
    });
    try {
      const refused = await refusal(guarded.wsUrl('apollo'));
      expect(refused).toEqual({ status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'this server needs a token' } } });
      const client = await connect(guarded.wsUrl('apollo'), { headers: { authorization: 'Bearer T' } });
      expect((await client.exchange(request('ping', {}, 1))).result).toBe('pong');
      client.close();
    } finally {
      await guarded.close(100);
    }
  });

  it('discovery and capabilities say websocket: true', async () => {
    const capabilities = (await (await fetch(`${server.url}/api/capabilities`)).json()) as any;
    expect(capabilities.features.websocket).toBe(true);
    const discovery = (await (await fetch(`${server.url}/api/v2/discovery/ais`)).json()) as any;
    expect(discovery.ais[0].features.websocket).toBe(true);
  });
});

describe('shutdown', () => {
  it('close() lets a running stream finish, then closes the WebSocket with 1001', async () => {
    const closing = await startWsServer();
    const client = await connect(closing.wsUrl('apollo'));
    client.send(request('stream', { message: 'one two three four five six', model: 'echo?tps=30' }, 1));
    await client.next((frame) => frame.method === 'stream.chunk');
    const closed = closing.close(5000);
    expect((await client.next((frame) => frame.id === 1)).result.content).toBe('[apollo] one two three four five six');
    expect((await client.closed).code).toBe(1001);
    await closed;
  });

  it('close() closes idle WebSockets with 1001 and resolves', async () => {
    const closing = await startWsServer();
    const clients = await Promise.all([connect(closing.wsUrl('apollo')), connect(closing.wsUrl('athena'))]);
    await closing.close(100);
    for (const client of clients) expect((await client.closed).code).toBe(1001);
  });
});
