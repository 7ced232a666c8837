/**
 * A WebSocket client that does not read: the server must not buffer for it
 * without bound. Its stream stops reading the model (so the provider stalls),
 * a client stuck past the limit is disconnected and its model call cancelled,
 * and other clients are served as before.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRoster } from '../../src/config/index.js';
import { SpecialistService } from '../../src/service/index.js';
import { connect, startWsServer, type WsTestServer } from '../support/ws-rpc.js';

const MIB = 1024 * 1024;
/** What the provider would send if nothing stopped it. */
const PROVIDER_TOTAL = 512 * MIB;

/** An OpenAI-compatible provider streaming one very long answer as fast as its reader takes it. */
interface FloodingProvider {
  origin: string;
  /** Bytes written so far (it waits for 'drain' when its reader is slow). */
  sent(): number;
  /** Resolves when the request's connection closes (the model call was cancelled). */
  requestClosed: Promise<void>;
  close(): Promise<void>;
}

async function startFloodingProvider(): Promise<FloodingProvider> {
  let sent = 0;
  let closed!: () => void;
  const requestClosed = new Promise<void>((resolve) => (closed = resolve));
  const piece = `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'word '.repeat(200) } }] })}\n\n`;
  const server: Server = createServer(async (request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.once('close', () => closed());
    let wake = (): void => {};
    response.on('close', () => wake());
    while (sent < PROVIDER_TOTAL && !response.destroyed) {
      sent += piece.length;
      if (!response.write(piece)) await new Promise<void>((resolve) => ((wake = resolve), response.once('drain', resolve)));
    }
    response.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent: () => sent,
    requestClosed,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function serviceOver(origin: string): SpecialistService {
  return new SpecialistService({ roster: builtinRoster(), defaultModel: 'openai/gpt-4o-mini', providers: { openai: { api_key: 'sk-test', base_url: `${origin}/v1` } } });
}

/** Resolves once `read()` has stopped changing for `checks` looks in a row (100 ms apart). */
async function settled(read: () => number, checks = 5): Promise<number> {
  let last = -1;
  let same = 0;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = read();
    same = now === last ? same + 1 : 0;
    last = now;
    if (same >= checks) return now;
  }
}

const STREAM = JSON.stringify({ jsonrpc: '2.0', method: 'stream', params: { message: 'tell me everything' }, id: 1 });

let provider: FloodingProvider | undefined;
let server: WsTestServer | undefined;

afterEach(async () => {
  await server?.close(100);
  await provider?.close();
});

describe('a client that never reads', () => {
  it('stops the model stream while the client is behind (memory stays bounded), and goes on when it reads again', async () => {
    provider = await startFloodingProvider();
    server = await startWsServer({ service: serviceOver(provider.origin), maxBufferedBytes: 256 * 1024, stuckMs: 60_000 });
    const client = await connect(server.wsUrl('apollo'));
    client.socket.pause();
    client.send(STREAM);
    // The provider stalls: the server stopped reading it, far short of its whole answer.
    const stalledAt = await settled(provider.sent);
    expect(stalledAt).toBeGreaterThan(0);
    expect(stalledAt).toBeLessThan(64 * MIB);
    // Reading again lets the stream go on.
    client.socket.resume();
    while (provider.sent() < stalledAt + 16 * MIB) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(client.frames.length).toBeGreaterThan(stalledAt / 1100);
    client.close();
    await provider.requestClosed;
  }, 60_000);

  it('disconnects a client stuck past the limit, cancels its model call, and serves the next client', async () => {
    provider = await startFloodingProvider();
    server = await startWsServer({ service: serviceOver(provider.origin), maxBufferedBytes: 256 * 1024, stuckMs: 300 });
    const stuck = await connect(server.wsUrl('apollo'));
    stuck.socket.pause();
    stuck.send(STREAM);
    // The server gives up on the client: the provider request is cancelled.
    await provider.requestClosed;
    expect(provider.sent()).toBeLessThan(64 * MIB);
    // Once the stuck client reads again it finds its connection closed.
    stuck.socket.resume();
    expect([1006, 1008]).toContain((await stuck.closed).code);
    const next = await connect(server.wsUrl('athena'));
    expect(await next.exchange('{"jsonrpc":"2.0","method":"ping","id":1}')).toEqual({ jsonrpc: '2.0', result: 'pong', id: 1 });
    next.close();
  }, 60_000);
});
