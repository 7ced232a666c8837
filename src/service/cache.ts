/**
 * The answer cache (`--cache`, `cache:` in config.yaml, `aish serve --cache`).
 * It lives in the exchange log: every complete answer is logged with a key
 * over everything the model was sent (provider and model, system prompt,
 * every message with the session's context, temperature, max tokens, the
 * schema), and a later call with the same key is answered from that row,
 * byte for byte, at no cost. The embedded run's log is written by the CLI
 * (which learns the key from the `done` event); a server writes its own.
 */
import type { ModelRequest } from '../providers/index.js';
import type { CachedAnswer, ExchangeLog } from '../store/index.js';
import { sha256Hex } from './sha256.js';

/** How a service uses the cache. */
export interface CacheSettings {
  /** Answer from the cache unless a request says `cache: false`. */
  enabled: boolean;
  /** How old an answer may be and still answer (seconds; 0 = any age). */
  ttlSeconds: number;
  /**
   * The service logs its own answers (with their keys) in its database: a
   * server, whose clients keep their logs elsewhere. The embedded service
   * leaves that to the CLI's exchange log, which shares its database.
   */
  record: boolean;
}

/** A week: how long a cached answer answers unless `cache.ttl` says otherwise. */
export const DEFAULT_CACHE_TTL_S = 7 * 86_400;

/** The longest answer the log keeps whole; a longer one could not be replayed exactly, so it is never cached. */
const CACHEABLE_ANSWER = 1024 * 1024;

/**
 * The key of a model request: a SHA-256 over the model reference and the
 * request as the provider gets it, whatever it holds (so a field added to
 * requests later is covered without touching this). Only how it is delivered
 * (streamed or whole) is left out: the answer is the same.
 */
export function cacheKey(model: string, request: ModelRequest): string {
  const { stream: _delivery, ...sent } = request;
  return sha256Hex(JSON.stringify([model, sent]));
}

/** One finished, successful call, as a server logs it. */
export interface AnsweredCall {
  key: string;
  started: number;
  specialist: string;
  model: string;
  message: string;
  answer: string;
  tokens: { input: number; output: number };
  cost: number | null;
  cachedFrom?: number;
}

export class AnswerCache {
  constructor(
    private readonly settings: CacheSettings,
    /** The exchange log of the service's database, opened when first needed. */
    private readonly log: () => Promise<ExchangeLog>,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Whether this service logs its own answers (a server). */
  get records(): boolean {
    return this.settings.record;
  }

  /** Whether a call is answered from the cache: the request's own wish, else the setting. */
  wanted(requested: boolean | undefined): boolean {
    return requested ?? this.settings.enabled;
  }

  /** The logged answer for `key`, young enough to answer; undefined when none (or the log cannot be read). */
  async lookup(key: string): Promise<CachedAnswer | undefined> {
    const { ttlSeconds } = this.settings;
    try {
      return await (await this.log()).cached(key, ttlSeconds > 0 ? this.clock() - ttlSeconds * 1000 : 0);
    } catch {
      // A database that cannot be read means a real call, never a failed one.
      return undefined;
    }
  }

  /** Whether an answer can be replayed exactly later (the log keeps it whole). */
  static cacheable(answer: string): boolean {
    return answer.length <= CACHEABLE_ANSWER;
  }

  /** A server logs its calls (a real one with its key, a replay with `cached_from`), when it keeps its own log. */
  async remember(call: AnsweredCall): Promise<void> {
    if (!this.settings.record) return;
    try {
      await (await this.log()).record({
        started_at: call.started,
        command_line: 'aish serve',
        specialist: call.specialist,
        model: call.model,
        message: call.message.slice(0, CACHEABLE_ANSWER),
        answer: call.answer,
        tokens_in: call.tokens.input,
        tokens_out: call.tokens.output,
        duration_ms: this.clock() - call.started,
        status: 'ok',
        error_code: null,
        session_id: null,
        cost_usd: call.cachedFrom === undefined ? call.cost : 0,
        cache_key: call.cachedFrom === undefined && AnswerCache.cacheable(call.answer) ? call.key : null,
        cached_from: call.cachedFrom ?? null,
      });
    } catch {
      // The answer was given; a log that cannot be written only loses the cache entry.
    }
  }
}
