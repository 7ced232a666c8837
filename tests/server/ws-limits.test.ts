/** Frame limits and the heartbeat of the WebSocket endpoint. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { connect, startWsServer, type WsTestServer } from '../support/ws-rpc.js';

const MIB = 1024 * 1024;

/** A `ping` request padded to exactly `size` bytes. */
function paddedPing(size: number): string {
  const frame = (pad: string): string => JSON.stringify({ jsonrpc: '2.0', method: 'ping', params: { pad }, id: 1 });
  return frame('x'.repeat(size - frame('').length));
}

describe('frames', () => {
  let server: WsTestServer;
  beforeAll(async () => {
    server = await startWsServer();
  });
  afterAll(async () => {
    await server.close(100);
  });

  it('takes a frame of exactly 1 MiB (the default limit)', async () => {
    const client = await connect(server.wsUrl());
    const frame = paddedPing(MIB);
    expect(Buffer.byteLength(frame)).toBe(MIB);
    expect(await client.exchange(frame)).toEqual({ jsonrpc: '2.0', result: 'pong', id: 1 });
    client.close();
  });

  it('closes the connection with 1009 on a frame over 1 MiB', async () => {
    const client = await connect(server.wsUrl());
    client.send(paddedPing(MIB + 1));
    expect((await client.closed).code).toBe(1009);
  });

  it('closes the connection with 1007 on a text frame that is not UTF-8', async () => {
    const client = await connect(server.wsUrl());
    client.socket.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
    expect((await client.closed).code).toBe(1007);
  });

  it('closes the connection with 1007 on a binary frame that is not UTF-8, and answers one that is JSON text', async () => {
    const client = await connect(server.wsUrl());
    client.socket.send(Buffer.from('{"jsonrpc":"2.0","method":"ping","id":"b"}'), { binary: true });
    expect(await client.next((frame) => frame.id === 'b')).toEqual({ jsonrpc: '2.0', result: 'pong', id: 'b' });
    client.socket.send(Buffer.from([0xc3, 0x28]), { binary: true });
    expect((await client.closed).code).toBe(1007);
  });

  it('a smaller limit can be set', async () => {
    const small = await startWsServer({ maxPayloadBytes: 100 });
    try {
      const client = await connect(small.wsUrl());
      expect((await client.exchange(paddedPing(100))).result).toBe('pong');
      client.send(paddedPing(101));
      expect((await client.closed).code).toBe(1009);
    } finally {
      await small.close(100);
    }
  });
});

describe('heartbeat', () => {
  it('pings idle connections and drops one that does not answer; one that answers stays', async () => {
    const server = await startWsServer({ heartbeatMs: 40 });
    try {
      const live = await connect(server.wsUrl());
      let pings = 0;
      const threePings = new Promise<void>((resolve) =>
        live.socket.on('ping', () => {
          if (++pings === 3) resolve();
        }),
      );
      const dead = new WebSocket(server.wsUrl(), { autoPong: false });
      const deadPinged = new Promise<void>((resolve) => dead.once('ping', () => resolve()));
      const deadClosed = new Promise<number>((resolve) => dead.on('close', (code) => resolve(code)));
      dead.on('error', () => {});
      await deadPinged;
      // Cut without a closing handshake: 1006 on the client's side.
      expect(await deadClosed).toBe(1006);
      await threePings;
      expect(live.socket.readyState).toBe(WebSocket.OPEN);
      expect((await live.exchange('{"jsonrpc":"2.0","method":"ping","id":1}')).result).toBe('pong');
      live.close();
    } finally {
      await server.close(100);
    }
  });
});
