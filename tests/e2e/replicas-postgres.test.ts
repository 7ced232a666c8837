/**
 * Two `aish serve` replicas sharing Redis and one PostgreSQL database (as a team runs
 * them behind a load balancer): the statements of "what must hold" that concern the
 * database, against real PostgreSQL. The PostgreSQL of the restart test is its own, so
 * stopping it touches no other test.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startPostgres, type RunningPostgres } from '../../scripts/test-engines.mjs';
import type { ServeProcess } from '../faults/support/serve-process.js';
import { homeWithConfig } from '../support/aish.js';
import { freshPostgresDatabase, hasPostgres, hasRedis } from '../support/engines.js';
import { call, startReplica, startTestRedis, type TestRedis } from '../support/replicas.js';

let redis: TestRedis | undefined;
let ownPostgres: RunningPostgres | undefined;
const replicas: ServeProcess[] = [];

afterEach(async () => {
  await Promise.all(replicas.splice(0).map((replica) => replica.stop('SIGKILL')));
  await redis?.stop();
  redis = undefined;
  ownPostgres?.stop();
  ownPostgres = undefined;
});

/** Redis and two replicas A and B on the PostgreSQL database `db`. */
async function twoReplicas(db: string): Promise<{ a: ServeProcess; b: ServeProcess }> {
  redis = await startTestRedis();
  const home = homeWithConfig('default_model: echo\n');
  for (let i = 0; i < 2; i++) replicas.push(await startReplica(home, redis.url, ['--db', db, '--rate-limit', '0']));
  return { a: replicas[0]!, b: replicas[1]! };
}

describe.skipIf(!hasPostgres || !hasRedis)('two replicas on one PostgreSQL database', { timeout: 60_000 }, () => {
  it('50 concurrent messages to one session over both replicas store exactly 100 messages, in question/answer pairs', async () => {
    const { a, b } = await twoReplicas(await freshPostgresDatabase());
    const session = (await call(a.url, 'POST', '/api/v2/sessions', { specialist_id: 'apollo', name: 'pairs' })).json.id as string;
    const sent = await Promise.all(Array.from({ length: 50 }, (_, index) => call(index % 2 ? b.url : a.url, 'POST', `/api/v2/sessions/${session}/message`, { message: `question ${index}` })));
    expect(sent.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    const stored = (await call(b.url, 'GET', '/api/v2/sessions/pairs')).json.messages as { role: string; content: string }[];
    expect(stored).toHaveLength(100);
    for (let pair = 0; pair < 50; pair++) {
      expect([stored[2 * pair]!.role, stored[2 * pair + 1]!.role]).toEqual(['user', 'assistant']);
      expect(stored[2 * pair + 1]!.content).toBe(`[apollo] ${stored[2 * pair]!.content}`);
    }
    expect(sent.map((answer) => answer.json.message_count).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, index) => 2 * (index + 1)));
  });

  it('a session created on replica A is continued on replica B, by id and by name', async () => {
    const { a, b } = await twoReplicas(await freshPostgresDatabase());
    const id = (await call(a.url, 'POST', '/api/v2/sessions', { specialist_id: 'apollo', name: 'handover' })).json.id as string;
    expect((await call(a.url, 'POST', `/api/v2/sessions/${id}/message`, { message: 'on A' })).status).toBe(200);
    expect((await call(b.url, 'POST', '/api/v2/sessions/handover/message', { message: 'on B by name' })).json.message_count).toBe(4);
    expect((await call(b.url, 'POST', `/api/v2/sessions/${id}/message`, { message: 'on B by id' })).json.message_count).toBe(6);
    expect((await call(a.url, 'GET', '/api/v2/sessions/handover')).json.messages.map((message: { content: string }) => message.content)).toEqual([
      'on A', '[apollo] on A', 'on B by name', '[apollo] on B by name', 'on B by id', '[apollo] on B by id',
    ]);
  });

  it('PostgreSQL restarted during a run: session calls fail at once with 503 BACKEND_UNAVAILABLE while it is down, and succeed after, without restarting aish', async () => {
    ownPostgres = await startPostgres(mkdtempSync(join(tmpdir(), 'aish-outage-')));
    const { a, b } = await twoReplicas(ownPostgres.url);
    expect((await call(a.url, 'POST', '/api/v2/sessions', { specialist_id: 'apollo', name: 'outage' })).status).toBe(201);
    ownPostgres.halt();
    for (const replica of [a, b]) {
      const refused = await call(replica.url, 'POST', '/api/v2/sessions/outage/message', { message: 'while down' });
      expect(refused.status).toBe(503);
      expect(refused.json.error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', details: { backend: 'postgres' } });
      expect(await call(replica.url, 'GET', '/health')).toMatchObject({ status: 503, json: { db: 'down', redis: 'ok' } });
    }
    ownPostgres.resume();
    for (const replica of [a, b]) {
      expect(await call(replica.url, 'GET', '/health')).toMatchObject({ status: 200, json: { status: 'ok', db: 'ok', redis: 'ok' } });
      expect((await call(replica.url, 'POST', '/api/v2/sessions/outage/message', { message: `back on ${replica.url}` })).status).toBe(200);
    }
    expect((await call(b.url, 'GET', '/api/v2/sessions/outage')).json.message_count).toBe(4);
  });
});
