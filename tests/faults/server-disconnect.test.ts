/**
 * A client that disconnects in the middle of a stream: the model call is
 * aborted, the server's next request is answered as usual, and a session
 * message cut off this way leaves no half exchange in the session.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRoster } from '../../src/config/index.js';
import { createApp, Protection, startServer, type RunningServer } from '../../src/server/index.js';
import { SpecialistService } from '../../src/service/index.js';
import { fixtureBody, fixtureReply } from '../providers/support/fixtures.js';
import { startFakeProviderServer, type FakeProviderServer } from '../providers/support/fake-provider-server.js';
import { call, leaveMidStream } from './support/misbehaving-client.js';

let fake: FakeProviderServer;
let server: RunningServer;

beforeAll(async () => {
  // The provider sends its first events, then stalls with the response open: only an abort ends the call.
  const body = fixtureBody('openai-chat-stream.sse');
  fake = await startFakeProviderServer(fixtureReply('openai-chat-stream.sse'), { stallAfter: Math.floor(body.length / 3) });
  const service = new SpecialistService({
    roster: builtinRoster(),
    defaultModel: 'openai/gpt-4o-mini',
    providers: { openai: { api_key: 'sk-test', base_url: `${fake.origin}/v1` } },
    database: join(mkdtempSync(join(tmpdir(), 'aish-faults-')), 'aish.db'),
  });
  // With stream slots on, so a slot held by a stream that was left must come back.
  server = await startServer(createApp({ service }), { host: '127.0.0.1', port: 0, protection: new Protection({ maxStreams: 1 }) });
});
afterAll(async () => {
  await server.close(100);
  await fake.close();
});

describe('a client that disconnects mid-stream', () => {
  it('aborts the model call, and the next request is served (its stream slot came back)', async () => {
    const before = fake.requests.length;
    await leaveMidStream(server.url, '/api/v2/ai/apollo/stream', { content: 'list files' });
    expect(fake.requests).toHaveLength(before + 1);
    // Resolves only when the provider sees its connection closed: the call was aborted.
    await fake.requests[before]!.socketClosed;
    expect((await call(server.url, 'GET', '/health')).status).toBe(200);
    // max_streams is 1: a second stream is only possible once the first one's slot was released.
    const again = leaveMidStream(server.url, '/api/v2/ai/athena/stream', { content: 'again' });
    await expect(again).resolves.toContain('"type":"content"');
    await fake.requests[before + 1]!.socketClosed;
  });

  it('in a session message stores no half exchange', async () => {
    const created = await call(server.url, 'POST', '/api/v2/sessions', { body: JSON.stringify({ specialist_id: 'apollo' }) });
    expect(created.status).toBe(201);
    const session = JSON.parse(created.body) as { session_id?: string; id?: string };
    const id = session.session_id ?? session.id!;
    const before = fake.requests.length;
    await leaveMidStream(server.url, `/api/v2/sessions/${id}/message`, { message: 'list files', stream: true });
    await fake.requests[before]!.socketClosed;
    const detail = await call(server.url, 'GET', `/api/v2/sessions/${id}`);
    expect(detail.status).toBe(200);
    expect(JSON.parse(detail.body)).toMatchObject({ messages: [] });
  });
});
