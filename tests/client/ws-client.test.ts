/** The WebSocket JSON-RPC client against a real server: matching, streams, cancel, refusals and reconnection. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcWebSocketClient, WebSocketSpecialist, webSocketUrl } from '../../src/client/index.js';
import { builtinRoster } from '../../src/config/index.js';
import { AishError, RPC_METHODS } from '../../src/protocol/index.js';
import type { ConnectionEvent } from '../../src/protocol/websocket.js';
import { SpecialistService } from '../../src/service/index.js';
import { closedPort, startFakeProviderServer, type FakeProviderServer } from '../providers/support/fake-provider-server.js';
import { fixtureBody, fixtureReply } from '../providers/support/fixtures.js';
import { startWsServer, type WsTestServer } from '../support/ws-rpc.js';

const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: Parameters<typeof startWsServer>[0] = {}): Promise<WsTestServer> {
  const started = await startWsServer(options);
  cleanups.push(() => started.close(100));
  return started;
}

function client(url: string, options: ConstructorParameters<typeof RpcWebSocketClient>[1] = {}): RpcWebSocketClient {
  const made = new RpcWebSocketClient(url, options);
  cleanups.push(() => made.close());
  return made;
}

function databaseService(file = join(mkdtempSync(join(tmpdir(), 'aish-wsc-')), 'aish.db')): SpecialistService {
  return new SpecialistService({ roster: builtinRoster(), defaultModel: 'echo', database: file });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function until(events: ConnectionEvent[], type: ConnectionEvent['type']): Promise<ConnectionEvent> {
  return new Promise((resolve) => {
    const look = (): void => {
      const found = events.find((event) => event.type === type);
      if (found) resolve(found);
      else setTimeout(look, 5);
    };
    look();
  });
}

describe('requests and streams', () => {
  it('matches concurrent responses to their requests', async () => {
    const running = await server();
    const rpc = client(running.wsUrl('apollo'));
    const answers = await Promise.all(['a', 'b c', 'd e f'].map((message) => rpc.request(RPC_METHODS.chat, { message, model: 'echo?tps=50' })));
    expect(answers.map((answer) => answer.content)).toEqual(['[apollo] a', '[apollo] b c', '[apollo] d e f']);
    expect(await rpc.request(RPC_METHODS.ping, {})).toBe('pong');
  });

  it('stream() yields the start and chunks of its own request, then its result', async () => {
    const running = await server();
    const rpc = client(running.wsUrl('apollo'));
    const first = rpc.stream({ message: 'one two', model: 'echo?tps=50' });
    const second = rpc.stream({ message: 'three four five', model: 'echo?tps=50' });
    const [noticesA, noticesB] = await Promise.all([collect(first), collect(second)]);
    const chunksA = noticesA.flatMap((notice) => (notice.type === 'chunk' ? [notice.chunk] : []));
    const chunksB = noticesB.flatMap((notice) => (notice.type === 'chunk' ? [notice.chunk] : []));
    expect(noticesA[0]).toMatchObject({ type: 'start', start: { specialist_id: 'apollo', model: 'echo?tps=50' } });
    expect(chunksA.map((chunk) => chunk.content).join('')).toBe('[apollo] one two');
    expect(chunksB.map((chunk) => chunk.content).join('')).toBe('[apollo] three four five');
    expect(chunksB.map((chunk) => chunk.chunk_index)).toEqual([0, 1, 2, 3]);
    expect((await second.result).content).toBe('[apollo] three four five');
  });

  it('a server error arrives as an AishError with the server code and message', async () => {
    const running = await server({ service: databaseService() });
    const rpc = client(running.wsUrl('apollo'));
    await expect(rpc.request(RPC_METHODS.sessionGet, { session_id: 'nothing' })).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND', message: "no session 'nothing'" });
    await expect(rpc.request({ method: 'nosuch' }, {})).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('the specialist adapter streams a session and its done event carries the session', async () => {
    const running = await server({ service: databaseService() });
    const apollo = new WebSocketSpecialist(running.url, 'apollo');
    cleanups.push(() => apollo.close());
    const session = await apollo.createSession({ specialist_id: 'apollo', name: 'adapter' });
    const events = await collect(apollo.streamSession('adapter', { message: 'hello there' }));
    expect(events.filter((event) => event.type === 'content').map((event) => (event as { data: string }).data).join('')).toBe('[apollo] hello there');
    expect(events.at(-1)).toMatchObject({ type: 'done', session_id: session.id, message_count: 2 });
    expect((await apollo.getSession(session.id)).messages).toHaveLength(2);
  });
});

describe('cancellation', () => {
  let fake: FakeProviderServer;
  afterEach(async () => {
    await fake?.close();
  });

  async function stallingServer(): Promise<WsTestServer> {
    const body = fixtureBody('openai-chat-stream.sse');
    fake = await startFakeProviderServer(fixtureReply('openai-chat-stream.sse'), { stallAfter: Math.floor(body.length / 3) });
    const service = new SpecialistService({ roster: builtinRoster(), defaultModel: 'openai/gpt-4o-mini', providers: { openai: { api_key: 'sk-test', base_url: `${fake.origin}/v1` } } });
    return server({ service });
  }

  it('aborting the signal sends cancel: the provider request is closed and the stream ends with CANCELLED', async () => {
    const running = await stallingServer();
    const rpc = client(running.wsUrl('apollo'));
    const controller = new AbortController();
    const stream = rpc.stream({ message: 'hi' }, controller.signal);
    const read = (async () => {
      for await (const notice of stream) if (notice.type === 'chunk' && notice.chunk.chunk_index === 0) controller.abort();
    })();
    await expect(read).rejects.toMatchObject({ code: 'CANCELLED' });
    await fake.requests[0]!.socketClosed;
    expect(await rpc.request(RPC_METHODS.ping, {})).toBe('pong');
  });

  it('leaving the loop early cancels the call on the server', async () => {
    const running = await stallingServer();
    const rpc = client(running.wsUrl('apollo'));
    for await (const notice of rpc.stream({ message: 'hi' })) if (notice.type === 'chunk' && notice.chunk.chunk_index === 0) break;
    await fake.requests[0]!.socketClosed;
  });
});

describe('connecting', () => {
  it('a server that is not there: UNREACHABLE at once, naming the address', async () => {
    const url = webSocketUrl(`http://127.0.0.1:${await closedPort()}`, 'apollo');
    const rpc = client(url);
    await expect(rpc.request(RPC_METHODS.ping, {})).rejects.toMatchObject({ code: 'UNREACHABLE', message: expect.stringContaining(url) });
  });

  it('a refused upgrade keeps the server error (SPECIALIST_NOT_FOUND); a 401 is worded as every token refusal is', async () => {
    const running = await server({
      authorizeUpgrade: (request) => (request.headers.authorization === 'Bearer T' ? undefined : new AishError('UNAUTHORIZED', 'this server needs a token')),
    });
    await expect(client(running.wsUrl('apollo')).request(RPC_METHODS.ping, {})).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('needs a token: use --token or AISH_TOKEN') });
    await expect(client(running.wsUrl('nobody'), { token: 'T' }).request(RPC_METHODS.ping, {})).rejects.toMatchObject({ code: 'SPECIALIST_NOT_FOUND' });
    expect(await client(running.wsUrl('apollo'), { token: 'T' }).request(RPC_METHODS.ping, {})).toBe('pong');
  });

  it('event.status reaches a subscribed client', async () => {
    const running = await server();
    const rpc = client(running.wsUrl('apollo'));
    const heard: unknown[] = [];
    rpc.onNotification((method, params) => heard.push({ method, params }));
    await rpc.request(RPC_METHODS.subscribe, { events: ['status'] });
    running.service.statuses.set('hermes', 'unavailable');
    await expect.poll(() => heard).toEqual([{ method: 'event.status', params: { specialist_id: 'hermes', status: 'unavailable' } }]);
  });
});

describe('reconnection', () => {
  it('after the server restarts: the call in flight fails clearly, the client reconnects, the session goes on', async () => {
    const database = join(mkdtempSync(join(tmpdir(), 'aish-wsc-')), 'aish.db');
    const first = await startWsServer({ service: databaseService(database) });
    const port = first.port;
    const apollo = new WebSocketSpecialist(first.url, 'apollo', { reconnect: { initialMs: 20, maxMs: 200 } });
    cleanups.push(() => apollo.close());
    const events: ConnectionEvent[] = [];
    apollo.onConnection((event) => events.push(event));
    const session = await apollo.createSession({ specialist_id: 'apollo', name: 'across-restarts' });
    await collect(apollo.streamSession(session.id, { message: 'before' }));
    // A slow answer is running when the server goes away: it has started, so the failure is its last event.
    const inFlight = apollo.streamSession(session.id, { message: 'a b c d e f g h i j', model: 'echo?tps=5' })[Symbol.asyncIterator]();
    expect((await inFlight.next()).value).toMatchObject({ type: 'start', specialist_id: 'apollo' });
    await first.close(0);
    const rest = await collect({ [Symbol.asyncIterator]: () => inFlight });
    expect(rest.at(-1)).toEqual({ type: 'error', code: 'UNREACHABLE', message: 'the connection to the server was lost' });
    await until(events, 'reconnecting');
    // A call made while the server is down waits for the reconnection.
    const waiting = collect(apollo.streamSession(session.id, { message: 'after' }));
    const second = await server({ service: databaseService(database), port });
    await until(events, 'reconnected');
    const answer = await waiting;
    expect(answer.at(-1)).toMatchObject({ type: 'done', session_id: session.id, message_count: 4 });
    expect((await apollo.getSession(session.id)).messages.map((message) => message.content)).toEqual(['before', '[apollo] before', 'after', '[apollo] after']);
    expect(second.port).toBe(port);
  });

  it('waits between attempts with full jitter under an exponential cap, and gives up after `attempts`', async () => {
    const first = await startWsServer();
    const rpc = client(first.wsUrl('apollo'), { reconnect: { initialMs: 10, maxMs: 40, attempts: 5 } });
    const events: ConnectionEvent[] = [];
    rpc.onConnection((event) => events.push(event));
    expect(await rpc.request(RPC_METHODS.ping, {})).toBe('pong');
    await first.close(0);
    const gaveUp = await until(events, 'disconnected');
    const attempts = events.filter((event): event is Extract<ConnectionEvent, { type: 'reconnecting' }> => event.type === 'reconnecting');
    expect(attempts.map((event) => event.attempt)).toEqual([1, 2, 3, 4, 5]);
    for (const event of attempts) expect(event.delay_ms).toBeLessThanOrEqual(Math.min(40, 10 * 2 ** (event.attempt - 1)));
    expect(gaveUp).toMatchObject({ type: 'disconnected', error: { code: 'UNREACHABLE' } });
    // After giving up, the next call tries again from the start (and fails at once: nothing listens).
    await expect(rpc.request(RPC_METHODS.ping, {})).rejects.toMatchObject({ code: 'UNREACHABLE' });
  });
});
