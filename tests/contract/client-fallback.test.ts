/** The client asks /api/capabilities first and uses the message endpoint when a server cannot stream. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteSpecialists } from '../../src/client/index.js';
import type { StreamEvent } from '../../src/protocol/index.js';

let server: Server;
let url: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    request.resume();
    response.setHeader('content-type', 'application/json');
    if (request.url === '/api/capabilities') {
      response.end(JSON.stringify({ version: 'old', features: { streaming: false }, api_versions: ['v2'] }));
    } else if (request.url === '/api/v2/ai/apollo/message') {
      response.end(
        JSON.stringify({ content: 'whole answer', specialist_id: 'apollo', model: 'some/model', tokens_used: { input: 1, output: 2 }, finish_reason: 'stop', elapsed_ms: 3 }),
      );
    } else {
      response.statusCode = 404;
      response.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such route' } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
});

describe('the remote client against a server without streaming', () => {
  it('replays the message endpoint as one stream', async () => {
    const client = new RemoteSpecialists(url);
    const events: StreamEvent[] = [];
    for await (const event of client.stream('apollo', { content: 'x' })) events.push(event);
    await client.close();
    expect(events.map((event) => event.type)).toEqual(['start', 'content', 'done']);
    expect(events[1]).toMatchObject({ data: 'whole answer' });
    expect(seen).toEqual(['GET /api/capabilities', 'POST /api/v2/ai/apollo/message']);
  });

  it("keeps the server's error code", async () => {
    const client = new RemoteSpecialists(url);
    await expect(client.best('x', 0.5)).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no such route' });
    await client.close();
  });
});
