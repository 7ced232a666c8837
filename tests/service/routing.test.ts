/** @capability routing adjusted by measured performance, persisted in the store. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRoster } from '../../src/config/index.js';
import { adjustedScore, SpecialistService } from '../../src/service/index.js';
import type { StreamEvent } from '../../src/protocol/index.js';

async function drain(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('performance-adjusted routing', () => {
  it('uses the configured score until 10 routed calls, then success rate and speed', () => {
    expect(adjustedScore(0.95, undefined)).toBe(0.95);
    expect(adjustedScore(0.95, { requests: 9, successes: 0, total_ms: 0 })).toBe(0.95);
    expect(adjustedScore(0.95, { requests: 10, successes: 5, total_ms: 10 })).toBe(0.47);
    expect(adjustedScore(0.9, { requests: 10, successes: 10, total_ms: 300_000 })).toBe(0.45);
  });

  it('a specialist that keeps failing for a capability loses the route, and that survives a restart', async () => {
    const database = join(mkdtempSync(join(tmpdir(), 'aish-routing-')), 'aish.db');
    const make = (): SpecialistService => new SpecialistService({ roster: builtinRoster(), defaultModel: 'echo', database });
    const first = make();
    expect((await first.best('planning', 0.5)).best_match.id).toBe('prometheus');
    // Ten routed calls that fail: a model on an Ollama that is not there.
    for (let i = 0; i < 10; i++) {
      const events = await drain(first.stream('prometheus', { content: 'x', capability: 'planning', model: 'ollama/none' }));
      expect(events.at(-1)?.type).toBe('error');
    }
    // Calls that were not routed do not count for the capability.
    await drain(first.stream('metis', { content: 'x' }));
    await first.close();
    const second = make();
    const best = await second.best('planning', 0.5);
    expect(best.best_match.id).toBe('metis');
    expect(best.alternatives.find((match) => match.id === 'prometheus')?.score).toBe(0);
    await second.close();
  });
});
