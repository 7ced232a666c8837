/**
 * The Lua scripts the Redis coordinator runs. Each one is a single atomic
 * step on the Redis server: no two replicas can interleave inside it, which
 * is what makes a shared limit a limit (a read, then a write from the client,
 * would let two replicas both take the last token).
 *
 * Times come from Redis (`TIME`), not from the replicas, so replicas whose
 * clocks disagree still share one bucket fairly. Redis 5+ replicates a
 * script's effects, not the script, so a script may read `TIME` and write.
 */
import { createHash } from 'node:crypto';

/** A script and its SHA-1, for `EVALSHA` (the body is sent once per connection, with `SCRIPT LOAD`; see `SCRIPTS`). */
export interface LuaScript {
  readonly lua: string;
  readonly sha: string;
  readonly keys: number;
}

function script(keys: number, lua: string): LuaScript {
  return { lua, keys, sha: createHash('sha1').update(lua).digest('hex') };
}

const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * Token bucket (`bucket`, a hash of tokens and last update) of `limit`
 * requests a minute: refills by elapsed time, takes one token if there is
 * one, leaving `allowed` (0|1) and `tokens`. The key expires once the bucket
 * would be full again, so idle clients cost nothing.
 */
const BUCKET = `local per_ms = limit / 60000
local saved = redis.call('HMGET', bucket, 'tokens', 'at')
local tokens = tonumber(saved[1])
local at = tonumber(saved[2])
if tokens == nil or at == nil then tokens = limit; at = now end
tokens = math.min(limit, tokens + math.max(0, now - at) * per_ms)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', bucket, 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', bucket, math.ceil((limit - tokens) / per_ms) + 1000)`;

/**
 * A stream slot: `streams` is a sorted set of the client's open streams
 * scored by when their lease ends. Drops the ended ones (a killed replica's),
 * then adds `id` for `lease` ms when fewer than `max` are open, setting
 * `slot` (declared 0 before) to 1.
 */
const SLOT = `redis.call('ZREMRANGEBYSCORE', streams, '-inf', now)
if redis.call('ZCARD', streams) < max then
  redis.call('ZADD', streams, now + lease, id)
  redis.call('PEXPIRE', streams, lease)
  slot = 1
end`;

/**
 * One request from the bucket KEYS[1] of ARGV[1] requests a minute. Returns
 * { allowed (0|1), tokens left (as text: Lua numbers lose their fraction on
 * the way out), now in ms }.
 */
export const TAKE_TOKEN = script(
  1,
  `${NOW_MS}
local bucket, limit = KEYS[1], tonumber(ARGV[1])
${BUCKET}
return { allowed, tostring(tokens), now }`,
);

/** A slot in KEYS[1] for ARGV[2] for ARGV[3] ms when fewer than ARGV[1] are open. Returns 1 or 0. */
export const TAKE_SLOT = script(
  1,
  `${NOW_MS}
local streams, max, id, lease = KEYS[1], tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local slot = 0
${SLOT}
return slot`,
);

/**
 * What a request to a streaming route needs, in one round trip: one request
 * from the bucket KEYS[1] (ARGV[1] a minute) and, only when that is allowed,
 * a slot in KEYS[2] (at most ARGV[2] open) for ARGV[3] for ARGV[4] ms.
 * Returns TAKE_TOKEN's three values and the slot (0|1).
 */
export const TAKE_TOKEN_AND_SLOT = script(
  2,
  `${NOW_MS}
local bucket, limit = KEYS[1], tonumber(ARGV[1])
${BUCKET}
local slot = 0
if allowed == 1 then
  local streams, max, id, lease = KEYS[2], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
${SLOT}
end
return { allowed, tostring(tokens), now, slot }`,
);

/** Moves the end of the held slots ARGV[2..] in KEYS[1] to ARGV[1] ms from now (slots already gone stay gone). */
export const RENEW_SLOTS = script(
  1,
  `${NOW_MS}
local lease = tonumber(ARGV[1])
local renewed = 0
for i = 2, #ARGV do renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', now + lease, ARGV[i]) end
if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end
return renewed`,
);

/**
 * A session's lock (KEYS[1]) when nobody holds it: its value is the holder
 * ARGV[1] and the fencing token, a number KEYS[2] hands out in increasing
 * order; it ends after ARGV[2] ms unless renewed. Returns the fencing token,
 * or 0 when another holder has it.
 */
export const TAKE_LOCK = script(
  2,
  `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '#' .. fence, 'PX', tonumber(ARGV[2]))
return fence`,
);

/** Renews the lock KEYS[1] for ARGV[2] ms if ARGV[1] (holder#fence) still holds it: 1, else 0 (the lease was lost). */
export const RENEW_LOCK = script(
  1,
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1`,
);

/** Gives the lock KEYS[1] back if ARGV[1] (holder#fence) holds it, and tells waiters on channel ARGV[2] (message ARGV[3]). */
export const GIVE_LOCK = script(
  1,
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1`,
);

/** Every script, loaded into Redis when a coordinator connects (and again on each reconnection: a restarted Redis has forgotten them). */
export const SCRIPTS: readonly LuaScript[] = [TAKE_TOKEN, TAKE_SLOT, TAKE_TOKEN_AND_SLOT, RENEW_SLOTS, TAKE_LOCK, RENEW_LOCK, GIVE_LOCK];
