import { describe, expect, it } from 'vitest';
import type { StatusChange, StatusListener, StatusRelay } from '../../src/coord/index.js';
import type { SpecialistStatus } from '../../src/protocol/index.js';
import { StatusBoard } from '../../src/service/index.js';

/** A relay between replicas in memory: what this one published, and a way to hear another's. */
function fakeRelay(current: StatusChange[] = []): StatusRelay & { published: StatusChange[]; fromElsewhere(change: StatusChange): void } {
  const listeners = new Set<StatusListener>();
  const published: StatusChange[] = [];
  return {
    published,
    publish: (change) => published.push(change),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    current: async () => current,
    fromElsewhere: (change) => listeners.forEach((listener) => listener(change)),
  };
}

describe('the status board shared through a relay', () => {
  it('publishes the changes seen here, applies those heard from elsewhere without publishing them again, and tells its listeners of both', () => {
    const relay = fakeRelay();
    const board = new StatusBoard(relay);
    const heard: StatusChange[] = [];
    board.subscribe((change) => heard.push(change));
    board.set('apollo', 'degraded');
    relay.fromElsewhere({ specialist_id: 'solo', status: 'unavailable' });
    expect(board.get('solo')).toBe('unavailable');
    expect(relay.published).toEqual([{ specialist_id: 'apollo', status: 'degraded' }]);
    expect(heard).toEqual([
      { specialist_id: 'apollo', status: 'degraded' },
      { specialist_id: 'solo', status: 'unavailable' },
    ]);
  });

  it('a replica that starts late reads the statuses that still hold', async () => {
    const board = new StatusBoard(fakeRelay([{ specialist_id: 'solo', status: 'unavailable' }]));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(board.get('solo')).toBe('unavailable');
  });

  it('a change heard from elsewhere never hides that the breaker here is open', () => {
    const relay = fakeRelay();
    const own = new Map<string, SpecialistStatus>([['solo', 'unavailable']]);
    const board = new StatusBoard(relay, (id) => own.get(id));
    board.set('solo', 'unavailable');
    relay.fromElsewhere({ specialist_id: 'solo', status: 'active' });
    expect(board.get('solo')).toBe('unavailable');
    own.set('solo', 'degraded');
    relay.fromElsewhere({ specialist_id: 'solo', status: 'active' });
    expect(board.get('solo')).toBe('active');
  });
});
