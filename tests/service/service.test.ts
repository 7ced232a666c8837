import { describe, expect, it } from 'vitest';
import { builtinRoster } from '../../src/config/index.js';
import { AishError, type StreamEvent } from '../../src/protocol/index.js';
import { SpecialistService } from '../../src/service/index.js';

const service = (): SpecialistService => new SpecialistService({ roster: builtinRoster(), defaultModel: 'echo' });

async function events(iterable: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of iterable) out.push(event);
  return out;
}

describe('the embedded service', () => {
  it('has the built-in roster with capabilities', async () => {
    const list = await service().list();
    expect(list.map((s) => s.id)).toEqual(['apollo', 'athena', 'prometheus', 'hermes', 'sophia', 'telos', 'metis', 'harmonia', 'synthesis', 'engram', 'rhetor']);
    for (const specialist of list) {
      expect(specialist.description).not.toBe('');
      expect(Object.keys(specialist.capabilities.scores).length).toBeGreaterThan(0);
      expect(specialist.model).toBe('echo');
    }
  });

  it('streams start, content and done, by id or alias', async () => {
    const stream = await events(service().stream('apollo-ai', { content: 'hi there' }));
    expect(stream[0]).toMatchObject({ type: 'start', specialist_id: 'apollo', model: 'echo' });
    expect(stream.filter((e) => e.type === 'content').map((e) => (e as { data: string }).data).join('')).toBe('[apollo] hi there');
    expect(stream.at(-1)).toMatchObject({ type: 'done', finish_reason: 'stop' });
  });

  it('answers with each model named per request, many models and the same one again, side by side', async () => {
    const shared = service();
    const models = Array.from({ length: 40 }, (_, index) => `echo?ttft_ms=${index % 3}&tps=${1000 + index}`);
    for (const model of [...models, ...models.slice(0, 5)]) {
      const stream = await events(shared.stream('apollo', { content: 'a b', model }));
      expect(stream[0]).toMatchObject({ type: 'start', model });
      expect(stream.at(-1)).toMatchObject({ type: 'done', finish_reason: 'stop' });
    }
    // The same model for two calls at once: each gets its own answer.
    const [one, two] = await Promise.all([events(shared.stream('apollo', { content: 'one', model: models[0] })), events(shared.stream('apollo', { content: 'two', model: models[0] }))]);
    const text = (stream: StreamEvent[]): string => stream.map((event) => (event.type === 'content' ? event.data : '')).join('');
    expect([text(one!), text(two!)]).toEqual(['[apollo] one', '[apollo] two']);
    // An unknown model is refused every time it is asked for.
    for (let attempt = 0; attempt < 2; attempt++) await expect(events(shared.stream('apollo', { content: 'x', model: 'nowhere/model' }))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('refuses an unknown specialist before streaming', async () => {
    await expect(events(service().stream('nobody', { content: 'x' }))).rejects.toMatchObject({ code: 'SPECIALIST_NOT_FOUND' });
  });

  it('refuses an empty message', async () => {
    await expect(events(service().stream('apollo', { content: '' }))).rejects.toBeInstanceOf(AishError);
  });

  it('measures performance from real calls', async () => {
    const s = service();
    await events(s.stream('athena', { content: 'x' }));
    await events(s.stream('athena', { content: 'y' }));
    const athena = (await s.list()).find((x) => x.id === 'athena')!;
    expect(athena.performance.requests).toBe(2);
    expect(athena.performance.success_rate).toBe(1);
  });

  it('routes a capability to the best specialist, primary first, and says when none is good enough', async () => {
    const best = await service().best('code-analysis', 0.7);
    expect(best.best_match).toEqual({ id: 'apollo', score: 0.95, is_primary: true });
    const planning = await service().best('planning', 0.7);
    expect(planning.best_match.id).toBe('prometheus');
    expect(planning.alternatives.map((a) => a.id)).toContain('metis');
    await expect(service().best('code-analysis', 0.99)).rejects.toMatchObject({ code: 'NO_MATCH' });
    await expect(service().best('no-such-capability', 0)).rejects.toMatchObject({ code: 'NO_MATCH' });
  });
});
