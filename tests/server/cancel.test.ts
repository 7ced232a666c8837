/** A client that goes away mid-answer cancels the provider request at once: no orphaned upstream calls. */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { fixtureBody, fixtureReply } from '../providers/support/fixtures.js';
import { startFakeProviderServer } from '../providers/support/fake-provider-server.js';
import { startServerOverOpenAi } from '../support/server.js';

describe('client disconnect', () => {
  it('closes the upstream provider connection when the client leaves mid-stream', async () => {
    // The provider sends its first events, then stalls with the response open.
    const body = fixtureBody('openai-chat-stream.sse');
    const fake = await startFakeProviderServer(fixtureReply('openai-chat-stream.sse'), { stallAfter: Math.floor(body.length / 3) });
    const server = await startServerOverOpenAi(fake.origin);
    try {
      await new Promise<void>((resolve, reject) => {
        const req = request(`${server.url}/api/v2/ai/apollo/stream`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
          res.setEncoding('utf8').on('data', (chunk: string) => {
            if (chunk.includes('"type":"content"')) {
              req.destroy();
              resolve();
            }
          });
        });
        req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)));
        req.end(JSON.stringify({ content: 'list files' }));
      });
      expect(fake.requests).toHaveLength(1);
      // Resolves only when the fake provider sees its connection closed.
      await fake.requests[0]!.socketClosed;
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
    } finally {
      await server.close(100);
      await fake.close();
    }
  });
});
