/**
 * One contract, three implementations: the in-process service, the HTTP
 * client and the WebSocket client, each talking to a real server, must
 * behave the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteSpecialists, WebSocketSpecialists } from '../../src/client/index.js';
import type { SpecialistDefinition, Specialists, StreamEvent } from '../../src/protocol/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinRoster } from '../../src/config/index.js';
import { SpecialistService } from '../../src/service/index.js';
import { manualClock, startTestServer, type ManualClock } from '../support/server.js';
import { startWsServer } from '../support/ws-rpc.js';
import { closedPort } from '../providers/support/fake-provider-server.js';

async function events(iterable: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of iterable) out.push(event);
  return out;
}

function text(stream: StreamEvent[]): string {
  return stream.map((event) => (event.type === 'content' ? event.data : '')).join('');
}

/**
 * A service with sessions in a fresh database, on a clock the test moves.
 * Besides the built-in roster it has `flaky`, whose model (an OpenAI server
 * that is not there) always fails, with athena as its fallback.
 */
async function serviceWithSessions(clock: ManualClock): Promise<SpecialistService> {
  const athena = builtinRoster().find((specialist) => specialist.id === 'athena')!;
  const flaky: SpecialistDefinition = { ...athena, id: 'flaky', name: 'Flaky', aliases: [], model: 'openai/gpt-4o-mini', fallback: ['athena'], capabilities: { primary: [], scores: {} } };
  return new SpecialistService({
    roster: [...builtinRoster(), flaky],
    defaultModel: 'echo',
    providers: { openai: { api_key: 'sk-test', base_url: `http://127.0.0.1:${await closedPort()}/v1` } },
    limits: { max_attempts: 1 },
    clock: clock.now,
    database: join(mkdtempSync(join(tmpdir(), 'aish-contract-')), 'aish.db'),
  });
}

function contract(name: string, make: (clock: ManualClock) => Promise<{ specialists: Specialists; stop: () => Promise<void> }>): void {
  describe(`the Specialists contract: ${name}`, () => {
    let specialists: Specialists;
    let stop: () => Promise<void>;
    const clock = manualClock();
    beforeAll(async () => {
      ({ specialists, stop } = await make(clock));
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

    it('resolves a registered alias, and every event names the specialist, not the alias', async () => {
      const stream = await events(specialists.stream('athena-ai', { content: 'x' }));
      expect(text(stream)).toBe('[athena] x');
      expect(stream.map((event) => (event.type === 'error' ? 'error' : event.specialist_id))).toEqual(['athena', 'athena', 'athena', 'athena']);
    });

    it('says in start when a fallback answers for a specialist that cannot', async () => {
      const stream = await events(specialists.stream('flaky', { content: 'x' }));
      expect(stream[0]).toMatchObject({ type: 'start', specialist_id: 'athena', fallback_for: 'flaky', model: 'echo' });
      expect(text(stream)).toBe('[athena] x');
      expect(stream.at(-1)).toMatchObject({ type: 'done', specialist_id: 'athena' });
    });

    it('ends with an error event, not an exception, when the model fails after start', async () => {
      const stream = await events(specialists.stream('apollo', { content: 'x', model: 'openai/gpt-4o-mini' }));
      expect(stream.map((event) => event.type)).toEqual(['start', 'error']);
      expect(stream[0]).toMatchObject({ specialist_id: 'apollo', model: 'openai/gpt-4o-mini' });
      expect(stream[1]).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    });

    it('refuses an unknown model before streaming', async () => {
      await expect(events(specialists.stream('apollo', { content: 'x', model: 'nosuch/model' }))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
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

    it('an expired session refuses messages with SESSION_EXPIRED, stays readable, and takes messages again once renewed', async () => {
      const created = await specialists.createSession({ specialist_id: 'apollo', name: "expiring", ttl_s: 60 });
      expect(created).toMatchObject({ ttl_s: 60, expired: false });
      expect(text(await events(specialists.streamSession(created.id, { message: 'first' })))).toBe('[apollo] first');
      clock.advance(61);
      await expect(events(specialists.streamSession(created.id, { message: 'late' }))).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
      const shown = await specialists.getSession(created.id);
      expect(shown).toMatchObject({ expired: true, message_count: 2 });
      expect((await specialists.listSessions()).find((session) => session.id === created.id)).toMatchObject({ expired: true });
      const renewed = await specialists.renewSession(created.name!);
      expect(renewed).toMatchObject({ id: created.id, expired: false, ttl_s: 60, expires_at: new Date(clock.now() + 60_000).toISOString() });
      expect(text(await events(specialists.streamSession(created.id, { message: 'again' })))).toBe('[apollo] again');
      expect(await specialists.renewSession(created.id, { ttl_s: 0 })).toMatchObject({ ttl_s: 0, expires_at: null });
      await expect(specialists.renewSession('no-such-session')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    });

    it('continues an existing name in one step when asked, and refuses it otherwise', async () => {
      const first = await specialists.createSession({ specialist_id: 'apollo', name: 'shared-name', continue_existing: true });
      expect(first.created).toBe(true);
      const again = await specialists.createSession({ specialist_id: 'athena', name: 'shared-name', continue_existing: true });
      expect(again).toMatchObject({ id: first.id, created: false, specialist_id: 'apollo' });
      await expect(specialists.createSession({ specialist_id: 'apollo', name: 'shared-name' })).rejects.toMatchObject({ code: 'SESSION_NAME_TAKEN' });
    });

    it('honours a model override', async () => {
      const stream = await events(specialists.stream('apollo', { content: 'x', model: 'echo?ttft_ms=1' }));
      expect(stream[0]).toMatchObject({ type: 'start', model: 'echo?ttft_ms=1' });
    });
  });
}

contract('in-process service', async (clock) => {
  const service = await serviceWithSessions(clock);
  return { specialists: service, stop: () => service.close() };
});

/** A client and the real server it talks to, stopped together. */
function overTheWire(client: Specialists, server: RunningServer): { specialists: Specialists; stop: () => Promise<void> } {
  return {
    specialists: client,
    stop: async () => {
      await client.close();
      await server.close(100);
    },
  };
}

contract('remote client and a real server', async (clock) => {
  const server = await startTestServer(await serviceWithSessions(clock));
  return overTheWire(new RemoteSpecialists(server.url), server);
});

contract('WebSocket client and a real server', async (clock) => {
  const server = await startWsServer({ service: await serviceWithSessions(clock) });
  return overTheWire(new WebSocketSpecialists(server.url), server);
});
