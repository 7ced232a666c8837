/**
 * Fallback and the circuit breaker in the service: who answers when a
 * specialist is unavailable or fails before its first token, how its status
 * shows, and how routing skips it. The same over HTTP, through the client.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RemoteSpecialists } from '../../src/client/index.js';
import type { ProviderLimits } from '../../src/providers/index.js';
import type { SpecialistDefinition, StreamEvent } from '../../src/protocol/index.js';
import { SpecialistService, type ServiceOptions } from '../../src/service/index.js';
import { startTestServer } from '../support/server.js';
import { startScriptedProvider, type ScriptedProvider, type Step } from '../faults/support/scripted-provider.js';

let fake: ScriptedProvider | undefined;
let service: SpecialistService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
  await fake?.close();
  fake = undefined;
});

function specialist(id: string, model: string, extra: Partial<SpecialistDefinition> = {}): SpecialistDefinition {
  return { id, name: id, aliases: [], description: `${id} for tests`, system: `You are ${id}.`, model, capabilities: { primary: [], scores: {} }, fallback: [], ...extra };
}

const FAILING: Step = { kind: 'status', status: 500, message: 'boom' };

/** A service whose `openai/fake` model is the scripted provider (which fails unless told otherwise). */
async function serviceWith(roster: SpecialistDefinition[], options: { steps?: Step[]; fallback?: Step; limits?: ProviderLimits; database?: string } = {}): Promise<SpecialistService> {
  fake = await startScriptedProvider(options.steps ?? [], options.fallback ?? FAILING);
  const settings: ServiceOptions = {
    roster,
    defaultModel: 'echo',
    providers: { openai: { api_key: 'sk-test', base_url: `${fake.origin}/v1` } },
    limits: { max_attempts: 1, retry_base_delay: 0.001, breaker_threshold: 2, breaker_cooldown: 60, ...options.limits },
    ...(options.database && { database: options.database }),
  };
  service = new SpecialistService(settings);
  return service;
}

async function events(stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  for await (const event of stream) all.push(event);
  return all;
}

function answerOf(all: StreamEvent[]): string {
  return all.map((event) => (event.type === 'content' ? event.data : '')).join('');
}

async function statusOf(specialists: SpecialistService, id: string): Promise<string | undefined> {
  return (await specialists.list()).find((info) => info.id === id)?.status;
}

describe('fallback specialists', () => {
  it('a specialist that fails before its first token: its fallback answers, and start says so', async () => {
    const specialists = await serviceWith([specialist('apollo', 'openai/fake', { fallback: ['athena'] }), specialist('athena', 'echo')]);
    const all = await events(specialists.stream('apollo', { content: 'hi' }));
    expect(all[0]).toMatchObject({ type: 'start', specialist_id: 'athena', fallback_for: 'apollo', model: 'echo' });
    expect(answerOf(all)).toBe('[athena] hi');
    expect(all.at(-1)).toMatchObject({ type: 'done', specialist_id: 'athena' });
    expect(fake!.requests).toHaveLength(1);
  });

  it('a specialist that answers: start names it and carries no fallback_for', async () => {
    const specialists = await serviceWith([specialist('apollo', 'openai/fake', { fallback: ['athena'] }), specialist('athena', 'echo')], { fallback: { kind: 'answer', pieces: ['own'] } });
    const all = await events(specialists.stream('apollo', { content: 'hi' }));
    expect(all[0]).toMatchObject({ type: 'start', specialist_id: 'apollo', model: 'openai/fake' });
    expect(all[0]).not.toHaveProperty('fallback_for');
    expect(answerOf(all)).toBe('own');
  });

  it('fallbacks are tried in order, skipping one that fails too', async () => {
    const specialists = await serviceWith([
      specialist('apollo', 'openai/fake', { fallback: ['hermes', 'athena'] }),
      specialist('hermes', 'openai/fake'),
      specialist('athena', 'echo'),
    ]);
    const all = await events(specialists.stream('apollo', { content: 'hi' }));
    expect(all[0]).toMatchObject({ type: 'start', specialist_id: 'athena', fallback_for: 'apollo' });
    expect(fake!.requests).toHaveLength(2);
  });

  it('when every one fails: one error before start, read as the specialist asked, naming what the fallbacks did', async () => {
    const specialists = await serviceWith([specialist('apollo', 'openai/fake', { fallback: ['hermes'] }), specialist('hermes', 'openai/fake')]);
    await expect(events(specialists.stream('apollo', { content: 'hi' }))).rejects.toMatchObject({
      code: 'PROVIDER_ERROR',
      message: 'provider returned an error (openai, 500): boom; fallback hermes failed too: provider returned an error (openai, 500): boom',
    });
  });

  it('without a fallback a failure is an error event after start, as before', async () => {
    const specialists = await serviceWith([specialist('apollo', 'openai/fake')]);
    const all = await events(specialists.stream('apollo', { content: 'hi' }));
    expect(all.map((event) => event.type)).toEqual(['start', 'error']);
    expect(all[1]).toMatchObject({ code: 'PROVIDER_ERROR' });
  });

  it('a model named in the request gets no stand-in', async () => {
    const specialists = await serviceWith([specialist('apollo', 'echo', { fallback: ['athena'] }), specialist('athena', 'echo')]);
    const all = await events(specialists.stream('apollo', { content: 'hi', model: 'openai/fake' }));
    expect(all[0]).toMatchObject({ type: 'start', specialist_id: 'apollo', model: 'openai/fake' });
    expect(all.at(-1)).toMatchObject({ type: 'error', code: 'PROVIDER_ERROR' });
  });

  it('a session answered by a fallback keeps who really answered', async () => {
    const database = join(mkdtempSync(join(tmpdir(), 'aish-fallback-')), 'aish.db');
    const specialists = await serviceWith([specialist('apollo', 'openai/fake', { fallback: ['athena'] }), specialist('athena', 'echo')], { database });
    const session = await specialists.createSession({ specialist_id: 'apollo', name: 'kept' });
    const all = await events(specialists.streamSession(session.id, { message: 'hello' }));
    expect(all.at(-1)).toMatchObject({ type: 'done', specialist_id: 'athena', message_count: 2 });
    const detail = await specialists.getSession('kept');
    expect(detail.messages.map((message) => [message.role, message.specialist_id ?? null, message.content])).toEqual([
      ['user', null, 'hello'],
      ['assistant', 'athena', '[athena] hello'],
    ]);
  });
});

describe('the circuit breaker as status', () => {
  it('degraded after a failure, unavailable at the threshold; then calls fail fast without reaching the provider', async () => {
    const specialists = await serviceWith([specialist('apollo', 'openai/fake')]);
    expect(await statusOf(specialists, 'apollo')).toBe('active');
    await events(specialists.stream('apollo', { content: 'one' }));
    expect(await statusOf(specialists, 'apollo')).toBe('degraded');
    await events(specialists.stream('apollo', { content: 'two' }));
    expect(await statusOf(specialists, 'apollo')).toBe('unavailable');
    expect((await specialists.discover({ status: 'unavailable' })).map((info) => info.id)).toEqual(['apollo']);
    await expect(events(specialists.stream('apollo', { content: 'three' }))).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      message: expect.stringMatching(/^apollo is unavailable: its last 2 calls failed; aish tries it again in \d+ s$/),
    });
    expect(fake!.requests).toHaveLength(2);
  });

  it('an unavailable specialist is skipped for its fallback, which answers at once', async () => {
    const specialists = await serviceWith([specialist('apollo', 'openai/fake', { fallback: ['athena'] }), specialist('athena', 'echo')]);
    await events(specialists.stream('apollo', { content: 'one' }));
    await events(specialists.stream('apollo', { content: 'two' }));
    const all = await events(specialists.stream('apollo', { content: 'three' }));
    expect(all[0]).toMatchObject({ type: 'start', specialist_id: 'athena', fallback_for: 'apollo' });
    expect(fake!.requests).toHaveLength(2);
  });

  it('after the cool-down one probe goes through; its success makes the specialist active again', async () => {
    const specialists = await serviceWith([specialist('apollo', 'openai/fake')], { steps: [FAILING, FAILING], fallback: { kind: 'answer', pieces: ['recovered'] }, limits: { breaker_cooldown: 0.2 } });
    await events(specialists.stream('apollo', { content: 'one' }));
    await events(specialists.stream('apollo', { content: 'two' }));
    expect(await statusOf(specialists, 'apollo')).toBe('unavailable');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await statusOf(specialists, 'apollo')).toBe('degraded');
    expect(answerOf(await events(specialists.stream('apollo', { content: 'three' })))).toBe('recovered');
    expect(await statusOf(specialists, 'apollo')).toBe('active');
  });

  it('a model named per request does not move the status', async () => {
    const specialists = await serviceWith([specialist('apollo', 'echo')]);
    for (let i = 0; i < 3; i++) await events(specialists.stream('apollo', { content: 'x', model: 'openai/fake' }));
    expect(await statusOf(specialists, 'apollo')).toBe('active');
  });
});

describe('@capability routing and fallback', () => {
  const roster = (): SpecialistDefinition[] => [
    specialist('apollo', 'openai/fake', { capabilities: { primary: ['code'], scores: { code: 0.9 } } }),
    specialist('hermes', 'echo', { capabilities: { primary: [], scores: { code: 0.8 } } }),
    specialist('sophia', 'echo', { capabilities: { primary: [], scores: { code: 0.5 } } }),
  ];

  it('a routed specialist that fails is replaced by the next-best match at or above 0.7', async () => {
    const specialists = await serviceWith(roster());
    const all = await events(specialists.stream('apollo', { content: 'hi', capability: 'code' }));
    expect(all[0]).toMatchObject({ type: 'start', specialist_id: 'hermes', fallback_for: 'apollo' });
    expect(answerOf(all)).toBe('[hermes] hi');
  });

  it('best() skips an unavailable specialist', async () => {
    const specialists = await serviceWith(roster());
    expect((await specialists.best('code', 0.7)).best_match.id).toBe('apollo');
    await events(specialists.stream('apollo', { content: 'one' }));
    await events(specialists.stream('apollo', { content: 'two' }));
    const best = await specialists.best('code', 0.7);
    expect(best.best_match.id).toBe('hermes');
    expect(best.alternatives.map((match) => match.id)).toEqual(['sophia']);
  });

  it('when every match at the threshold is unavailable, best() says so (PROVIDER_UNAVAILABLE, not NO_MATCH)', async () => {
    const specialists = await serviceWith(roster());
    await events(specialists.stream('apollo', { content: 'one' }));
    await events(specialists.stream('apollo', { content: 'two' }));
    await expect(specialists.best('code', 0.85)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', message: 'every specialist for @code is unavailable (apollo)' });
  });
});

describe('over HTTP, through the client', () => {
  it('the SSE start event carries fallback_for; a fail-fast is an HTTP error the client throws with its code', async () => {
    const specialists = await serviceWith([specialist('apollo', 'openai/fake', { fallback: ['athena'] }), specialist('athena', 'echo'), specialist('hermes', 'openai/fake')]);
    const server = await startTestServer(specialists);
    const client = new RemoteSpecialists(server.url);
    try {
      const all = await events(client.stream('apollo', { content: 'hi' }));
      expect(all[0]).toMatchObject({ type: 'start', specialist_id: 'athena', fallback_for: 'apollo' });
      expect(answerOf(all)).toBe('[athena] hi');
      await events(client.stream('hermes', { content: 'one' }));
      await events(client.stream('hermes', { content: 'two' }));
      expect((await client.list()).find((info) => info.id === 'hermes')?.status).toBe('unavailable');
      await expect(events(client.stream('hermes', { content: 'three' }))).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    } finally {
      await client.close();
      await server.close(100);
    }
  });
});
