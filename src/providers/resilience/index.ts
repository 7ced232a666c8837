/** Retries, timeouts and circuit breakers around any `LanguageModel` (one place for them: providers do not re-implement them). */
export { withResilience, providerName, unavailableMessage, type Deadline, type ResilienceOptions, type RetryNotice } from './resilient-model.js';
export { CircuitBreaker, type BreakerOptions, type BreakerPermit, type BreakerState } from './breaker.js';
export { DEFAULT_LIMITS, LIMIT_KEYS, PROVIDER_DEFAULT_LIMITS, resolveLimits, type ProviderLimits, type ResolvedLimits } from './limits.js';
export { backoffMs, decideRetry, type RetryDecision } from './retry.js';
export { timeoutPart, type TimeoutKind } from './timeouts.js';
