/** A bulk graph with a cycle is refused before anything runs: the provider never hears of it. */
import { describe, expect, it } from 'vitest';
import { fixtureReply } from '../providers/support/fixtures.js';
import { startFakeProviderServer } from '../providers/support/fake-provider-server.js';
import { startServerOverOpenAi } from '../support/server.js';

describe('bulk validation', () => {
  it('a cycle is a 400 naming it, and the provider receives no call', async () => {
    const fake = await startFakeProviderServer(fixtureReply('openai-chat-stream.sse'));
    const server = await startServerOverOpenAi(fake.origin);
    try {
      const response = await fetch(`${server.url}/api/v2/bulk`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          operations: [
            { id: 'free', ai: 'apollo', message: 'independent' },
            { id: 'op1', ai: 'apollo', message: 'x {op2}', depends_on: ['op2'] },
            { id: 'op2', ai: 'athena', message: 'y {op1}', depends_on: ['op1'] },
          ],
        }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'INVALID_GRAPH', message: 'dependency cycle: op1 → op2 → op1' } });
      expect(fake.requests).toHaveLength(0);
    } finally {
      await server.close(100);
      await fake.close();
    }
  });
});
