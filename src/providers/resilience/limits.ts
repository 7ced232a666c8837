/**
 * The limits every provider call runs under: timeouts, retries and the
 * circuit breaker. config.yaml gives them in seconds under a top-level
 * `limits:` (every provider) and `providers.<name>.limits:` (that provider
 * only); this module fills in the defaults and turns them into milliseconds.
 */
import { PROVIDERS, type ProviderDescriptor } from '../../protocol/index.js';

/** Limits as the config file gives them: seconds and counts, every key optional. */
export interface ProviderLimits {
  /** Opening the TCP/TLS connection; 0 = no limit. */
  connect_timeout?: number;
  /** From sending the request to the first part of the answer; 0 = no limit. */
  first_token_timeout?: number;
  /** Longest gap between two parts of an answer; 0 = no limit. */
  idle_timeout?: number;
  /** Tries per call, the first included (1 = never retry). */
  max_attempts?: number;
  /** The backoff before the first retry; it doubles on each retry (full jitter). */
  retry_base_delay?: number;
  /** The longest backoff, and the longest `Retry-After` aish waits out. */
  retry_max_delay?: number;
  /** Consecutive failed calls that open a specialist's breaker. */
  breaker_threshold?: number;
  /** How long an open breaker refuses calls before letting one probe through. */
  breaker_cooldown?: number;
}

/** The config keys of {@link ProviderLimits}, in the order the README lists them. */
export const LIMIT_KEYS = [
  'connect_timeout',
  'first_token_timeout',
  'idle_timeout',
  'max_attempts',
  'retry_base_delay',
  'retry_max_delay',
  'breaker_threshold',
  'breaker_cooldown',
] as const satisfies readonly (keyof ProviderLimits)[];

/** Limits with every value present, in milliseconds (0 = no limit for timeouts). */
export interface ResolvedLimits {
  connectTimeoutMs: number;
  firstTokenTimeoutMs: number;
  idleTimeoutMs: number;
  maxAttempts: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  breakerThreshold: number;
  breakerCooldownMs: number;
}

/** What aish uses when the config says nothing. */
export const DEFAULT_LIMITS: Required<ProviderLimits> = {
  connect_timeout: 10,
  first_token_timeout: 60,
  idle_timeout: 60,
  max_attempts: 3,
  retry_base_delay: 0.5,
  retry_max_delay: 30,
  breaker_threshold: 5,
  breaker_cooldown: 30,
};

/** Built-in defaults that differ by provider (the protocol's provider table: a local Ollama may spend minutes loading a model). */
export const PROVIDER_DEFAULT_LIMITS: Readonly<Record<string, ProviderLimits>> = Object.fromEntries(
  (PROVIDERS as readonly ProviderDescriptor[]).flatMap((provider) => (provider.limits ? [[provider.id, provider.limits]] : [])),
);

/**
 * The limits for `provider` (`openai`, `echo`…): the defaults, then the
 * provider's built-in defaults, then each layer given (later layers win, key
 * by key; undefined keys are skipped).
 */
export function resolveLimits(provider: string, ...layers: (ProviderLimits | undefined)[]): ResolvedLimits {
  const merged: Required<ProviderLimits> = { ...DEFAULT_LIMITS };
  for (const layer of [PROVIDER_DEFAULT_LIMITS[provider], ...layers]) {
    if (!layer) continue;
    for (const key of LIMIT_KEYS) {
      const value = layer[key];
      if (value !== undefined) merged[key] = value;
    }
  }
  const ms = (seconds: number): number => Math.round(seconds * 1000);
  return {
    connectTimeoutMs: ms(merged.connect_timeout),
    firstTokenTimeoutMs: ms(merged.first_token_timeout),
    idleTimeoutMs: ms(merged.idle_timeout),
    maxAttempts: Math.max(1, Math.floor(merged.max_attempts)),
    retryBaseDelayMs: ms(merged.retry_base_delay),
    retryMaxDelayMs: ms(merged.retry_max_delay),
    breakerThreshold: Math.max(1, Math.floor(merged.breaker_threshold)),
    breakerCooldownMs: ms(merged.breaker_cooldown),
  };
}
