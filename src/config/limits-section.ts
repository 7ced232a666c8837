/**
 * `limits:` in config.yaml: timeouts, retries and the circuit breaker of
 * provider calls, at the top level (every provider) or under
 * `providers.<name>.limits` (that provider, key by key over the top level).
 * The defaults live with the code that uses them (providers/resilience).
 */
import type { Entry, YamlSource } from './yaml-source.js';

/** What a `limits:` block gives: seconds and counts, every key optional. */
export interface LimitFields {
  connect_timeout?: number;
  first_token_timeout?: number;
  idle_timeout?: number;
  max_attempts?: number;
  retry_base_delay?: number;
  retry_max_delay?: number;
  breaker_threshold?: number;
  breaker_cooldown?: number;
  /** Top level only: the most input an AI stage reads and sends (bytes; 0 = no limit). */
  max_input?: number;
  /** Top level only: how many times a model may answer with tool calls in one call (10). */
  max_tool_rounds?: number;
  /** Top level only: seconds one tool call may take (60). */
  tool_timeout?: number;
}

const SECONDS_OR_OFF = { min: 0, description: 'a number of seconds, 0 or more (0 = no limit)' } as const;
const SECONDS = { min: 0, description: 'a number of seconds, 0 or more' } as const;
const COUNT = { min: 1, max: 100, integer: true, description: 'a whole number from 1 to 100' } as const;

const LIMIT_RULES = {
  connect_timeout: SECONDS_OR_OFF,
  first_token_timeout: SECONDS_OR_OFF,
  idle_timeout: SECONDS_OR_OFF,
  max_attempts: COUNT,
  retry_base_delay: SECONDS,
  retry_max_delay: SECONDS,
  breaker_threshold: COUNT,
  breaker_cooldown: SECONDS,
} as const;

/** Limits of what aish itself reads, not of provider calls: the top-level block only. */
const INPUT_RULES = {
  max_input: { min: 0, integer: true, description: 'a whole number of bytes, 0 or more (0 = no limit)' },
  max_tool_rounds: { min: 0, max: 1000, integer: true, description: 'a whole number from 0 to 1000' },
  tool_timeout: { min: 0.001, max: 86_400, description: 'a number of seconds, more than 0' },
} as const;

/** Reads one `limits:` block (`topLevel`: the one at the top of the file); problems go to `source.problems`. */
export function readLimits(source: YamlSource, entry: Entry, topLevel = false): LimitFields {
  const limits: LimitFields = {};
  const rules = topLevel ? { ...LIMIT_RULES, ...INPUT_RULES } : LIMIT_RULES;
  const fields = source.entries(entry.value, entry.key, entry.keyNode) ?? [];
  for (const field of source.knownEntries(fields, Object.keys(rules))) {
    const name = field.name as keyof typeof rules;
    const value = source.number(field.value, field.key, rules[name], field.keyNode);
    if (value !== undefined) limits[name] = value;
  }
  return limits;
}
