/**
 * The Redis coordinator against a real Redis: two coordinators stand for two
 * replicas. Each test uses keys of its own (a prefix), so they share the
 * run's Redis.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { connectRedisCoordinator, type RedisCoordinator } from '../../src/coord/redis-coordinator.js';
import type { StatusChange } from '../../src/coord/index.js';
import { SCRIPTS } from '../../src/coord/redis-scripts.js';
import { AishError } from '../../src/protocol/index.js';
import { hasRedis, redisUrl } from '../support/engines.js';
import { startTestRedis } from '../support/replicas.js';

const open: RedisCoordinator[] = [];
let tests = 0;

afterEach(async () => {
  await Promise.all(open.splice(0).map((coordinator) => coordinator.close()));
});

/** Two (or more) coordinators on the run's Redis, with a prefix of this test's own. */
async function replicas(count: number, options: { lockLeaseMs?: number } = {}): Promise<{ coordinators: RedisCoordinator[]; prefix: string; url: string }> {
  const url = await redisUrl();
  const prefix = `t${process.pid}-${++tests}-${Date.now()}:`;
  const coordinators = await Promise.all(Array.from({ length: count }, () => connectRedisCoordinator(url, { prefix, ...options })));
  open.push(...coordinators);
  return { coordinators, prefix, url };
}

function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const look = (): void => (condition() ? resolve() : void setTimeout(look, 10));
    look();
  });
}

describe.skipIf(!hasRedis)('the Redis coordinator', { timeout: 60_000 }, () => {
  it('two replicas share one rate-limit bucket: of 20 requests at once, exactly the limit passes', async () => {
    const { coordinators } = await replicas(2);
    const [a, b] = coordinators.map((coordinator) => coordinator.rateLimits(5));
    const decisions = await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 ? a! : b!).take('client-1')));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
    const refused = decisions.find((decision) => !decision.allowed)!;
    expect(refused).toMatchObject({ limit: 5, remaining: 0 });
    expect(refused.retryAfterS).toBeGreaterThanOrEqual(1);
    // Another client has a bucket of its own.
    expect((await a!.take('client-2')).allowed).toBe(true);
  });

  it('two replicas share stream slots: the max in all, and a released slot is free again everywhere', async () => {
    const { coordinators } = await replicas(2);
    const [a, b] = coordinators.map((coordinator) => coordinator.streamSlots(2));
    const first = await a!.acquire('c');
    const second = await b!.acquire('c');
    expect(first && second).toBeTruthy();
    expect(await a!.acquire('c')).toBeUndefined();
    expect(await b!.acquire('c')).toBeUndefined();
    first!.release();
    let third = await b!.acquire('c');
    // The release reaches Redis a moment later.
    for (let tries = 0; !third && tries < 50; tries++) third = await b!.acquire('c');
    expect(third).toBeTruthy();
  });

  it('a request to a streaming route takes its token and its slot in one step: a slot while they last, none once they are taken, neither once the bucket is empty', async () => {
    const { coordinators } = await replicas(2);
    const [a, b] = coordinators.map((coordinator) => ({ limits: coordinator.rateLimits(3), slots: coordinator.streamSlots(1) }));
    const first = await a!.limits.takeWithSlot!('c', a!.slots);
    expect(first.decision).toMatchObject({ allowed: true, limit: 3, remaining: 2 });
    expect(first.slot).toBeDefined();
    // The other replica sees both the spent token and the taken slot.
    const second = await b!.limits.takeWithSlot!('c', b!.slots);
    expect(second.decision).toMatchObject({ allowed: true, remaining: 1 });
    expect(second.slot).toBeUndefined();
    // Redis runs one connection's commands in order: the release comes before A's next call.
    first.slot!.release();
    const third = await a!.limits.takeWithSlot!('c', a!.slots);
    expect(third.decision).toMatchObject({ allowed: true, remaining: 0 });
    expect(third.slot).toBeDefined();
    third.slot!.release();
    const refused = await a!.limits.takeWithSlot!('c', a!.slots);
    expect(refused).toMatchObject({ decision: { allowed: false, remaining: 0 }, slot: undefined });
    // The refused request took no slot.
    expect(await a!.slots.acquire('c')).toBeDefined();
  });

  it('each check is one EVALSHA: the scripts are loaded when it connects, and again when Redis comes back empty', async () => {
    const redis = await startTestRedis();
    try {
      const coordinator = await connectRedisCoordinator(redis.url);
      open.push(coordinator);
      const raw = new Redis(redis.url);
      const calls = async (): Promise<Record<string, number>> => {
        const text = await raw.info('commandstats');
        return Object.fromEntries([...text.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].map((found) => [found[1]!, Number(found[2])]));
      };
      try {
        await raw.config('RESETSTAT');
        const limits = coordinator.rateLimits(100);
        await limits.take('c');
        await limits.takeWithSlot!('c', coordinator.streamSlots(2));
        expect(await calls()).toMatchObject({ evalsha: 2 });
        expect((await calls()).eval).toBeUndefined();
        // A restarted Redis has no scripts: the coordinator loads them again once it reconnects.
        await redis.stop();
        await redis.start();
        await until(() => raw.status === 'ready');
        let loaded = [0];
        for (let tries = 0; loaded.some((each) => each === 0) && tries < 100; tries++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          loaded = (await raw.script('EXISTS', ...SCRIPTS.map((each) => each.sha)).catch(() => [0])) as number[];
        }
        expect(loaded).toEqual(SCRIPTS.map(() => 1));
      } finally {
        raw.disconnect();
      }
    } finally {
      await redis.stop();
    }
  });

  it('one answer at a time per session across replicas: B waits for A and goes on as soon as A gives the turn back', async () => {
    const { coordinators } = await replicas(2);
    const [a, b] = coordinators;
    const releaseA = await a!.sessionLocks.acquire('ses_1');
    let bHolds = false;
    const bTurn = b!.sessionLocks.acquire('ses_1').then((release) => {
      bHolds = true;
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bHolds).toBe(false);
    releaseA();
    const releaseB = await bTurn;
    expect(releaseB.fence).toBeGreaterThan(releaseA.fence!);
    releaseB();
  });

  it('a lock whose holder stopped renewing ends with its lease, and the next holder gets a higher fencing token', async () => {
    const { coordinators } = await replicas(2, { lockLeaseMs: 400 });
    const [a, b] = coordinators;
    const releaseA = await a!.sessionLocks.acquire('ses_2');
    // A "dies": its renewals stop, its lock is never given back.
    a!.sessionLocks.close();
    const releaseB = await b!.sessionLocks.acquire('ses_2');
    expect(releaseB.fence).toBe(releaseA.fence! + 1);
    releaseB();
  });

  it('a holder whose lease was taken over hears it through lost, so it stores nothing after the next holder', async () => {
    const { coordinators, prefix, url } = await replicas(2, { lockLeaseMs: 600 });
    const [a, b] = coordinators;
    const releaseA = await a!.sessionLocks.acquire('ses_3');
    expect(releaseA.lost?.aborted).toBe(false);
    // As if A were paused past its lease: the lock ends under it, and B takes the session.
    const raw = new Redis(url);
    await raw.del(`${prefix}lock:ses_3`);
    raw.disconnect();
    const releaseB = await b!.sessionLocks.acquire('ses_3');
    await until(() => releaseA.lost!.aborted);
    expect(releaseA.lost!.reason).toBeInstanceOf(AishError);
    expect((releaseA.lost!.reason as AishError).code).toBe('BACKEND_UNAVAILABLE');
    // A's late release does not free B's lock.
    releaseA();
    expect(releaseB.lost?.aborted).toBe(false);
    releaseB();
  });

  it('a status published on one replica reaches the others, and a replica that starts later reads it', async () => {
    const { coordinators, prefix, url } = await replicas(2);
    const [a, b] = coordinators;
    const heard: StatusChange[] = [];
    b!.statusRelay.subscribe((change) => heard.push(change));
    a!.statusRelay.publish({ specialist_id: 'solo', status: 'unavailable' });
    await until(() => heard.length > 0);
    expect(heard).toEqual([{ specialist_id: 'solo', status: 'unavailable' }]);
    const late = await connectRedisCoordinator(url, { prefix });
    open.push(late);
    expect(await late.statusRelay.current()).toEqual([{ specialist_id: 'solo', status: 'unavailable' }]);
    a!.statusRelay.publish({ specialist_id: 'solo', status: 'active' });
    await until(() => heard.length > 1);
    expect(await late.statusRelay.current()).toEqual([]);
  });

  it('with Redis down, limits, slots and locks fail at once with BACKEND_UNAVAILABLE, and work again once it is back', async () => {
    const redis = await startTestRedis();
    try {
      const coordinator = await connectRedisCoordinator(redis.url);
      open.push(coordinator);
      const limits = coordinator.rateLimits(100);
      expect((await limits.take('c')).allowed).toBe(true);
      await redis.stop();
      await expect(limits.take('c')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', details: { backend: 'redis' } });
      await expect(coordinator.streamSlots(2).acquire('c')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      await expect(coordinator.sessionLocks.acquire('ses_4')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      expect(await coordinator.health()).toEqual({ redis: 'down' });
      await redis.start();
      let health = await coordinator.health();
      for (let tries = 0; health.redis !== 'ok' && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        health = await coordinator.health();
      }
      expect(health).toEqual({ redis: 'ok' });
      expect((await limits.take('c')).allowed).toBe(true);
    } finally {
      await redis.stop();
    }
  });

  it('cannot start without Redis: says where it looked', async () => {
    await expect(connectRedisCoordinator('redis://127.0.0.1:1', { connectTimeoutMs: 2000 })).rejects.toThrow(/^cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
  });
});
