/** A WebSocket that goes away, or a `cancel`, stops the model call at the provider: no orphaned upstream requests. */
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRoster } from '../../src/config/index.js';
import { SpecialistService } from '../../src/service/index.js';
import { startFakeProviderServer, type FakeProviderServer } from '../providers/support/fake-provider-server.js';
import { fixtureBody, fixtureReply } from '../providers/support/fixtures.js';
import { connect, startWsServer, type WsTestServer } from '../support/ws-rpc.js';

let fake: FakeProviderServer;
let server: WsTestServer;

/** A provider that sends its first events, then stalls with the response open. */
async function stallingSetup(): Promise<void> {
  const body = fixtureBody('openai-chat-stream.sse');
  fake = await startFakeProviderServer(fixtureReply('openai-chat-stream.sse'), { stallAfter: Math.floor(body.length / 3) });
  const service = new SpecialistService({
    roster: builtinRoster(),
    defaultModel: 'openai/gpt-4o-mini',
    providers: { openai: { api_key: 'sk-test', base_url: `${fake.origin}/v1` } },
  });
  server = await startWsServer({ service });
}

afterEach(async () => {
  await server.close(100);
  await fake.close();
});

const STREAM = '{"jsonrpc":"2.0","method":"stream","params":{"message":"list files"},"id":"s"}';

describe('cancelling over WebSocket', () => {
  it('closing the connection mid-stream closes the provider request', async () => {
    await stallingSetup();
    const client = await connect(server.wsUrl('apollo'));
    client.send(STREAM);
    await client.next((frame) => frame.method === 'stream.chunk');
    client.socket.terminate();
    expect(fake.requests).toHaveLength(1);
    // Resolves only when the fake provider sees its connection closed.
    await fake.requests[0]!.socketClosed;
  });

  it('cancel closes the provider request and the connection stays usable', async () => {
    await stallingSetup();
    const client = await connect(server.wsUrl('apollo'));
    client.send(STREAM);
    await client.next((frame) => frame.method === 'stream.chunk');
    client.send('{"jsonrpc":"2.0","method":"cancel","params":{"request_id":"s"},"id":"c"}');
    expect((await client.next((frame) => frame.id === 's')).error.code).toBe(-32003);
    await fake.requests[0]!.socketClosed;
    expect(await client.exchange('{"jsonrpc":"2.0","method":"ping","id":1}')).toEqual({ jsonrpc: '2.0', result: 'pong', id: 1 });
    client.close();
  });
});
