/** Messages to one session wait for the answer before them; the wait counts toward the call's timeout. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRoster } from '../../src/config/index.js';
import type { StreamEvent } from '../../src/protocol/index.js';
import { SpecialistService } from '../../src/service/index.js';

function serviceWithDatabase(): SpecialistService {
  return new SpecialistService({ roster: builtinRoster(), defaultModel: 'echo', database: join(mkdtempSync(join(tmpdir(), 'aish-turns-')), 'aish.db') });
}

async function drain(stream: AsyncIterator<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for (let next = await stream.next(); !next.done; next = await stream.next()) events.push(next.value);
  return events;
}

describe('turns in one session', () => {
  it('a message with a timeout that passes while another answer in the session goes on fails with TIMEOUT and sends nothing', async () => {
    const service = serviceWithDatabase();
    await service.createSession({ specialist_id: 'apollo', name: 's' });
    // A slow answer holds the session: its first event has arrived, the rest is a day away.
    const slow = service.streamSession('s', { message: 'slow one', model: 'echo?tps=0.001' })[Symbol.asyncIterator]();
    expect((await slow.next()).value).toMatchObject({ type: 'start' });
    const waiting = drain(service.streamSession('s', { message: 'in a hurry', timeout: 0.2 })[Symbol.asyncIterator]());
    await expect(waiting).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining("waiting for another answer in session 's' to finish; nothing was sent") });
    await slow.return?.(undefined);
    const after = await drain(service.streamSession('s', { message: 'next' })[Symbol.asyncIterator]());
    expect(after.at(-1)).toMatchObject({ type: 'done', message_count: 2, context_used: 0 });
    await service.close();
  });
});
