/**
 * Two `aish serve` replicas on different ports sharing one Redis and one
 * database, as a team runs them behind a load balancer: each statement of
 * "what must hold with two or more replicas", one test each, on each database
 * replicas may share (one SQLite file; PostgreSQL, where the restart test has
 * a PostgreSQL server of its own, so stopping it touches no other test).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { ServeProcess } from '../faults/support/serve-process.js';
import { homeWithConfig, runAish } from '../support/aish.js';
import { connect } from '../support/ws-rpc.js';
import { freshPostgresDatabase, hasPostgres, hasRedis } from '../support/engines.js';
import { startServeWith } from '../faults/support/serve-process.js';
import { call, startReplica, startTestRedis, type TestRedis } from '../support/replicas.js';
import { startPostgres, type RunningPostgres } from '../../scripts/test-engines.mjs';

/** The built-in roster on echo, and `solo` on a provider nobody listens at: one failed call opens its breaker. */
const CONFIG = `default_model: echo
providers:
  openai: { api_key: sk-test, base_url: "http://127.0.0.1:1/v1" }
limits:
  max_attempts: 1
  breaker_threshold: 1
  breaker_cooldown: 120
  connect_timeout: 2
specialists:
  solo:
    model: openai/fake
`;

let redis: TestRedis | undefined;
let postgres: RunningPostgres | undefined;
const replicas: ServeProcess[] = [];

afterEach(async () => {
  await Promise.all(replicas.splice(0).map((replica) => replica.stop('SIGKILL')));
  await redis?.stop();
  redis = undefined;
  postgres?.stop();
  postgres = undefined;
});

/** Where the replicas keep sessions: one SQLite file (replicas on one machine), or PostgreSQL. */
interface Database {
  name: string;
  /** The `--db` both replicas get (undefined: the home's SQLite file); `restartable` asks for a PostgreSQL server of the test's own. */
  url(restartable: boolean): Promise<string | undefined>;
}

const DATABASES: Database[] = [
  { name: 'one SQLite file', url: async () => undefined },
  ...(hasPostgres
    ? [
        {
          name: 'PostgreSQL',
          url: async (restartable: boolean) => {
            if (!restartable) return freshPostgresDatabase();
            postgres = await startPostgres(mkdtempSync(join(tmpdir(), 'aish-outage-')));
            return postgres.url;
          },
        },
      ]
    : []),
];

/** Redis and two replicas A and B on one database; `args` go to both. */
async function twoReplicas(database: Database, args: string[] = [], restartable = false): Promise<{ a: ServeProcess; b: ServeProcess; home: string; redis: TestRedis }> {
  redis = await startTestRedis();
  const home = homeWithConfig(CONFIG);
  const db = await database.url(restartable);
  const all = [...(db ? ['--db', db] : []), ...args];
  const a = await startReplica(home, redis.url, all);
  replicas.push(a);
  const b = await startReplica(home, redis.url, all);
  replicas.push(b);
  return { a, b, home, redis };
}

/** /health polled until it answers 200 again (at most 10 s), after a backend came back. */
async function healthOnceBack(url: string): Promise<{ status: number; json: any }> {
  let health = await call(url, 'GET', '/health');
  for (let tries = 0; health.status !== 200 && tries < 100; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    health = await call(url, 'GET', '/health');
  }
  return health;
}

function createSession(url: string, name: string): Promise<{ status: number; json: any }> {
  return call(url, 'POST', '/api/v2/sessions', { specialist_id: 'apollo', name });
}

for (const database of DATABASES) describe.skipIf(!hasRedis)(`two replicas sharing Redis and ${database.name}`, { timeout: 60_000 }, () => {
  it('50 concurrent messages to one session over both replicas store exactly 100 messages, in question/answer pairs', async () => {
    const { a, b } = await twoReplicas(database, ['--rate-limit', '0']);
    const session = (await createSession(a.url, 'pairs')).json.id as string;
    const sent = await Promise.all(Array.from({ length: 50 }, (_, index) => call(index % 2 ? b.url : a.url, 'POST', `/api/v2/sessions/${session}/message`, { message: `question ${index}` })));
    expect(sent.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    const stored = (await call(b.url, 'GET', '/api/v2/sessions/pairs')).json.messages as { role: string; content: string }[];
    expect(stored).toHaveLength(100);
    for (let pair = 0; pair < 50; pair++) {
      const [question, answer] = [stored[2 * pair]!, stored[2 * pair + 1]!];
      expect([question.role, answer.role]).toEqual(['user', 'assistant']);
      expect(answer.content).toBe(`[apollo] ${question.content}`);
    }
    expect(new Set(stored.filter((message) => message.role === 'user').map((message) => message.content)).size).toBe(50);
    // Each answer saw every exchange stored before it: the context grew by one each time.
    expect(sent.map((answer) => answer.json.message_count).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, index) => 2 * (index + 1)));
  });

  it('a session created on replica A is continued on replica B, by id and by name', async () => {
    const { a, b, home } = await twoReplicas(database);
    const created = await createSession(a.url, 'handoff');
    expect(created.status).toBe(201);
    expect((await call(a.url, 'POST', '/api/v2/sessions/handoff/message', { message: 'one' })).json.message_count).toBe(2);
    const byId = await call(b.url, 'POST', `/api/v2/sessions/${created.json.id}/message`, { message: 'two' });
    expect(byId.json).toMatchObject({ session_id: created.json.id, message_count: 4, context_used: 2 });
    const byName = await runAish(['--server', b.url, '-c', 'apollo --session handoff << "three"'], { home });
    expect(byName.status).toBe(0);
    expect(byName.stdout).toBe('[apollo] three\n');
    const shown = (await call(a.url, 'GET', `/api/v2/sessions/${created.json.id}`)).json;
    expect(shown.messages.map((message: { content: string }) => message.content)).toEqual(['one', '[apollo] one', 'two', '[apollo] two', 'three', '[apollo] three']);
  });

  it('--rate-limit 10 on both replicas lets 10 requests a minute through in all, not 20', async () => {
    const { a, b } = await twoReplicas(database, ['--rate-limit', '10']);
    const started = Date.now();
    const statuses: number[] = [];
    for (let index = 0; index < 20; index++) statuses.push((await call(index % 2 ? b.url : a.url, 'GET', '/api/v2/discovery/ais')).status);
    // The bucket refills one request every 6 s: a slow machine may earn one more meanwhile.
    const refilled = Math.floor((Date.now() - started) / 6000);
    const passed = statuses.filter((status) => status === 200).length;
    expect(passed).toBeGreaterThanOrEqual(10);
    expect(passed).toBeLessThanOrEqual(10 + refilled);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20 - passed);
  });

  it('a breaker that opens on replica A shows unavailable on replica B within 1 s: discovery, aish ais --server B, WebSocket event.status', async () => {
    const { a, b, home } = await twoReplicas(database, ['--rate-limit', '0']);
    const listener = await connect(`${b.url.replace('http', 'ws')}/ws/ai/apollo`);
    expect((await listener.exchange(JSON.stringify({ jsonrpc: '2.0', method: 'subscribe', params: { events: ['status'] }, id: 1 }))).result).toEqual({ subscribed: ['status'] });
    const failed = await call(a.url, 'POST', '/api/v2/ai/solo/message', { content: 'hi' });
    expect(failed.status).toBe(503);
    const heard = listener.next((frame) => frame.method === 'event.status' && frame.params.specialist_id === 'solo');
    const deadline = new Promise((_, reject) => setTimeout(() => reject(new Error('replica B did not hear of the breaker within 1 s')), 1000));
    expect(((await Promise.race([heard, deadline])) as { params: unknown }).params).toEqual({ specialist_id: 'solo', status: 'unavailable' });
    listener.close();
    const discovered = (await call(b.url, 'GET', '/api/v2/discovery/ais')).json.ais as { id: string; status: string }[];
    expect(discovered.find((specialist) => specialist.id === 'solo')?.status).toBe('unavailable');
    const listed = await runAish(['--server', b.url, 'ais'], { home });
    expect(listed.stdout).toMatch(/^solo\s+unavailable\s/m);
  });

  it('SIGKILL of replica A mid-stream stores no half exchange, holds no lock past its lease, and B answers the session within 10 s', async () => {
    const { a, b } = await twoReplicas(database, ['--rate-limit', '0']);
    const session = (await createSession(b.url, 'killed')).json.id as string;
    await call(b.url, 'POST', `/api/v2/sessions/${session}/message`, { message: 'before' });
    // A streams slowly (5 words a second): it is mid-answer, holding the session's lock, when killed.
    const stream = await fetch(`${a.url}/api/v2/sessions/${session}/message`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'w '.repeat(100), stream: true, model: 'echo?tps=5' }),
    });
    const reader = stream.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('data:');
    const lock = new Redis(redis!.url);
    try {
      expect(await lock.exists(`aish:lock:${session}`)).toBe(1);
      await a.stop('SIGKILL');
      expect(await lock.pttl(`aish:lock:${session}`)).toBeLessThanOrEqual(5000);
    } finally {
      lock.disconnect();
    }
    await reader.read().catch(() => undefined);
    // `timeout` covers the wait for the session's turn: B fails with TIMEOUT unless it answers within 10 s.
    const after = await call(b.url, 'POST', `/api/v2/sessions/${session}/message`, { message: 'after', timeout: 10 });
    expect(after.status).toBe(200);
    const stored = (await call(b.url, 'GET', `/api/v2/sessions/${session}`)).json.messages.map((message: { content: string }) => message.content);
    expect(stored).toEqual(['before', '[apollo] before', 'after', '[apollo] after']);
  });

  it('Redis restarted during a run: calls fail at once with 503 BACKEND_UNAVAILABLE while it is down, and succeed after, without restarting aish', async () => {
    const { a, b, redis: shared } = await twoReplicas(database);
    await createSession(a.url, 'outage');
    await shared.stop();
    for (const replica of [a, b]) {
      const refused = await call(replica.url, 'POST', '/api/v2/sessions/outage/message', { message: 'while down' });
      expect(refused.status).toBe(503);
      expect(refused.json.error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', details: { backend: 'redis' } });
      expect(await call(replica.url, 'GET', '/health')).toMatchObject({ status: 503, json: { status: 'unavailable', db: 'ok', redis: 'down', down: ['redis'] } });
    }
    await shared.start();
    for (const replica of [a, b]) {
      // The client reconnects every second at most.
      const health = await healthOnceBack(replica.url);
      expect(health.json).toMatchObject({ status: 'ok', db: 'ok', redis: 'ok' });
      expect((await call(replica.url, 'POST', '/api/v2/sessions/outage/message', { message: `back on ${replica.url}` })).status).toBe(200);
    }
    expect((await call(b.url, 'GET', '/api/v2/sessions/outage')).json.message_count).toBe(4);
  });

  if (database.name === 'PostgreSQL') {
    it('PostgreSQL restarted during a run: calls that need it fail at once with 503 BACKEND_UNAVAILABLE while it is down, and succeed after, without restarting aish', async () => {
      const { a, b } = await twoReplicas(database, [], true);
      await createSession(a.url, 'db-outage');
      postgres!.halt();
      for (const replica of [a, b]) {
        const refused = await call(replica.url, 'POST', '/api/v2/sessions/db-outage/message', { message: 'while down' });
        expect(refused.status).toBe(503);
        expect(refused.json.error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', details: { backend: 'postgres' } });
        expect(await call(replica.url, 'GET', '/health')).toMatchObject({ status: 503, json: { status: 'unavailable', db: 'down', redis: 'ok', down: ['db'] } });
      }
      postgres!.resume();
      for (const replica of [a, b]) {
        // The pool connects again on the next call that needs it.
        const health = await healthOnceBack(replica.url);
        expect(health.json).toMatchObject({ status: 'ok', db: 'ok', redis: 'ok' });
        expect((await call(replica.url, 'POST', '/api/v2/sessions/db-outage/message', { message: `back on ${replica.url}` })).status).toBe(200);
      }
      expect((await call(b.url, 'GET', '/api/v2/sessions/db-outage')).json.message_count).toBe(4);
    });
  }
});

describe.skipIf(!hasRedis)('a replica that loses its session lock', { timeout: 60_000 }, () => {
  it('Redis gone mid-answer: once the lease could not be renewed, the answer stops with an error event BACKEND_UNAVAILABLE and stores nothing', async () => {
    const { a, redis: shared } = await twoReplicas(DATABASES[0]!, ['--rate-limit', '0']);
    const session = (await createSession(a.url, 'lost')).json.id as string;
    const stream = await fetch(`${a.url}/api/v2/sessions/${session}/message`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'w '.repeat(100), stream: true, model: 'echo?tps=5' }),
    });
    const reader = stream.body!.getReader();
    await reader.read();
    await shared.stop();
    let text = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
    expect(text).toMatch(/event: error\ndata: \{"type":"error","code":"BACKEND_UNAVAILABLE","message":"lost the lock of session ses_\w+ \(Redis could not renew its lease\); the answer was stopped and not stored"/);
    expect(text).not.toMatch(/event: done/);
    expect((await call(a.url, 'GET', `/api/v2/sessions/${session}`)).json.message_count).toBe(0);
  });
});

describe('aish serve --workers', { timeout: 60_000 }, () => {
  it('is refused without --redis, saying why', async () => {
    const refused = await runAish(['serve', '--port', '0', '--workers', '2']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^aish: serve: --workers 2 needs --redis URL \(or server\.redis\): without Redis each worker would keep its own rate limits/m);
    const fromConfig = await runAish(['serve', '--port', '0'], { home: homeWithConfig('server:\n  workers: 3\n') });
    expect(fromConfig.status).toBe(1);
    expect(fromConfig.stderr).toMatch(/^aish: serve: --workers 3 needs --redis URL/m);
  });

  it('with a Redis that cannot be reached, says so once and ends with status 1', async () => {
    const refused = await runAish(['serve', '--port', '0', '--workers', '2', '--redis', 'redis://127.0.0.1:1']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^aish: serve: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*\n$/);
  });

  it.skipIf(!hasRedis)('runs N processes on one port sharing Redis, says so once, and stops them all on SIGTERM', async () => {
    redis = await startTestRedis();
    const served = await startReplica(homeWithConfig(CONFIG), redis.url, ['--workers', '2', '--rate-limit', '10']);
    replicas.push(served);
    expect(served.stderr()).toMatch(/^aish: serving \d+ specialists \(.*\) on http:\/\/127\.0\.0\.1:\d+ \(limits, locks and statuses shared through Redis\) with 2 workers$/m);
    expect(await call(served.url, 'GET', '/health')).toMatchObject({ status: 200, json: { status: 'ok', db: 'ok', redis: 'ok' } });
    // One limit for both workers: the 12 requests cannot all pass, whichever worker takes each.
    const statuses = await Promise.all(Array.from({ length: 12 }, () => call(served.url, 'GET', '/api/capabilities').then((answer) => answer.status)));
    expect(statuses.filter((status) => status === 200).length).toBeLessThan(12);
    expect(await served.stop('SIGTERM')).toBe(0);
    expect(served.stderr().match(/^aish: serving /gm)).toHaveLength(1);
  });
});

describe.skipIf(!hasPostgres)('aish serve --db postgres://… without --redis', { timeout: 60_000 }, () => {
  it('starts, with a warning that rate limits and stream slots are then per replica', async () => {
    const served = await startServeWith(['--db', await freshPostgresDatabase(), '-q']);
    replicas.push(served);
    expect(served.stderr()).toMatch(/^aish: serve: warning: a PostgreSQL database without --redis: rate limits and stream slots are per replica \(a limit of N with R replicas lets R×N through\); pass --redis URL to share them$/m);
  });
});
