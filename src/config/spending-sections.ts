/**
 * The config sections about money and repeated calls: `budget:` (what one
 * run and one day may spend) and `cache:` (answering identical requests from
 * the exchange log). docs/records-budgets-cache.md describes them.
 */
import type { Entry, YamlSource } from './yaml-source.js';

/** `budget:` — US dollar caps; absent means no cap. */
export interface BudgetFields {
  /** What one run (an `aish -c` line, a script, one REPL line) may spend. */
  per_run?: number;
  /** What this user may spend per local day, summed from the exchange log. */
  per_day?: number;
}

/** `cache:` — whether calls are answered from earlier identical ones, and for how long. */
export interface CacheFields {
  enabled?: boolean;
  /** Seconds a logged answer keeps answering (0 = any age). */
  ttl?: number;
}

const DOLLARS = { min: 0, description: 'US dollars, 0 or more' } as const;

export function readBudget(source: YamlSource, entry: Entry): BudgetFields {
  const budget: BudgetFields = {};
  for (const field of source.knownEntries(source.entries(entry.value, entry.key, entry.keyNode) ?? [], ['per_run', 'per_day'])) {
    const value = source.number(field.value, field.key, DOLLARS, field.keyNode);
    if (value !== undefined) budget[field.name as keyof BudgetFields] = value;
  }
  return budget;
}

export function readCache(source: YamlSource, entry: Entry): CacheFields {
  const cache: CacheFields = {};
  for (const field of source.knownEntries(source.entries(entry.value, entry.key, entry.keyNode) ?? [], ['enabled', 'ttl'])) {
    if (field.name === 'enabled') {
      const enabled = source.boolean(field.value, field.key, field.keyNode);
      if (enabled !== undefined) cache.enabled = enabled;
      continue;
    }
    const raw = source.string(field.value, field.key, field.keyNode) ?? '';
    const seconds = durationSeconds(raw);
    if (seconds === undefined) source.report(field.key, `expected a duration such as 7d, 12h, 30m or 3600 (seconds; 0 = any age), got ${JSON.stringify(raw)}`, field.value, field.keyNode);
    else cache.ttl = seconds;
  }
  return cache;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 7 * 86_400 };

/** `7d`, `12h`, `30m`, `45s`, `2w`, or a whole number of seconds; undefined when it is none of these. */
export function durationSeconds(text: string): number | undefined {
  const match = /^\s*(\d+)\s*([smhdw]?)\s*$/.exec(text.toLowerCase());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_SECONDS[match[2] || 's']!;
}
