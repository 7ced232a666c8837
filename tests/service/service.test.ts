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
