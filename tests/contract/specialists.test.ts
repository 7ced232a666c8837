/**
 * One contract, two implementations: the in-process service and the remote
 * client talking to a real server must behave the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteSpecialists } from '../../src/client/index.js';
import type { Specialists, StreamEvent } from '../../src/protocol/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { embeddedService, startTestServer } from '../support/server.js';

async function events(iterable: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of iterable) out.push(event);
  return out;
}

function text(stream: StreamEvent[]): string {
  return stream.map((event) => (event.type === 'content' ? event.data : '')).join('');
}

function contract(name: string, make: () => Promise<{ specialists: Specialists; stop: () => Promise<void> }>): void {
  describe(`the Specialists contract: ${name}`, () => {
    let specialists: Specialists;
    let stop: () => Promise<void>;
    beforeAll(async () => {
      ({ specialists, stop } = await make());
    });
    afterAll(async () => {
      await stop();
    });

    it('lists the roster with capabilities and performance', async () => {
      const list = await specialists.list();
      expect(list.map((s) => s.id)).toContain('apollo');
      const apollo = list.find((s) => s.id === 'apollo')!;
      expect(apollo).toMatchObject({ name: 'Apollo', status: 'active', model: 'echo', aliases: ['apollo-ai'] });
      expect(apollo.capabilities.scores['code-analysis']).toBe(0.95);
      expect(apollo.performance).toHaveProperty('requests');
    });

    it('streams start, content in order, then done', async () => {
      const stream = await events(specialists.stream('apollo', { content: 'one two three' }));
      expect(stream[0]).toMatchObject({ type: 'start', specialist_id: 'apollo', model: 'echo' });
      expect(text(stream)).toBe('[apollo] one two three');
      expect(stream.at(-1)).toMatchObject({ type: 'done', specialist_id: 'apollo', finish_reason: 'stop', tokens_used: { output: 4 } });
    });

    it('resolves a registered alias', async () => {
      expect(text(await events(specialists.stream('athena-ai', { content: 'x' })))).toBe('[athena] x');
    });

    it('keeps whitespace and unicode exactly', async () => {
      const content = '  héllo\n\twörld 🌍 \n';
      expect(text(await events(specialists.stream('hermes', { content })))).toBe(`[hermes] ${content}`);
    });

    it('refuses an unknown specialist before streaming', async () => {
      await expect(events(specialists.stream('nobody', { content: 'x' }))).rejects.toMatchObject({ code: 'SPECIALIST_NOT_FOUND' });
    });

    it('refuses an empty message', async () => {
      await expect(events(specialists.stream('apollo', { content: '' }))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('routes a capability to the best specialist and says when none is good enough', async () => {
      expect((await specialists.best('code-analysis', 0.7)).best_match).toEqual({ id: 'apollo', score: 0.95, is_primary: true });
      await expect(specialists.best('code-analysis', 0.99)).rejects.toMatchObject({ code: 'NO_MATCH' });
    });

    it('stops cleanly when the caller leaves a stream early, and serves the next call', async () => {
      for await (const event of specialists.stream('apollo', { content: 'a b c d e f', model: 'echo?tps=20' })) {
        if (event.type === 'content') break;
      }
      expect(text(await events(specialists.stream('apollo', { content: 'next' })))).toBe('[apollo] next');
    });

    it('ends the stream without an error when the signal aborts', async () => {
      const controller = new AbortController();
      const seen: StreamEvent[] = [];
      for await (const event of specialists.stream('apollo', { content: 'a b c d e f g h', model: 'echo?tps=20' }, controller.signal)) {
        seen.push(event);
        if (event.type === 'content') controller.abort();
      }
      expect(seen.some((event) => event.type === 'error')).toBe(false);
      expect(seen.some((event) => event.type === 'done')).toBe(false);
    });

    it('honours a model override', async () => {
      const stream = await events(specialists.stream('apollo', { content: 'x', model: 'echo?ttft_ms=1' }));
      expect(stream[0]).toMatchObject({ type: 'start', model: 'echo?ttft_ms=1' });
    });
  });
}

contract('in-process service', async () => {
  const service = embeddedService();
  return { specialists: service, stop: () => service.close() };
});

contract('remote client and a real server', async () => {
  const server: RunningServer = await startTestServer();
  const client = new RemoteSpecialists(server.url);
  return {
    specialists: client,
    stop: async () => {
      await client.close();
      await server.close(100);
    },
  };
});
