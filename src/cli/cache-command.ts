/**
 * `aish cache stats [--json]` and `aish cache clear [--older-than 7d]`: what
 * the answer cache in the exchange log holds and saved, and stopping logged
 * answers from answering again (they stay in the history).
 */
import { durationSeconds } from '../config/index.js';
import type { ExchangeLog } from '../store/index.js';
import { formatUsd } from './usage-report.js';

/** The window `stats` counts hits and savings over. */
const STATS_WINDOW_MS = 7 * 86_400_000;

export const CACHE_USAGE = `usage: aish cache stats [--json]      entries, and hits and dollars saved over 7 days
       aish cache clear [--older-than DURATION]   logged answers stop answering (7d, 12h, 30m; they stay in the history)`;

export interface CacheCommandIo {
  out(text: string): void;
  err(text: string): void;
  now: number;
}

/** Runs `cache VERB ARGS` against the log; returns the exit status. */
export async function runCacheCommand(args: readonly string[], json: boolean, open: () => Promise<ExchangeLog>, io: CacheCommandIo): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === undefined || verb === 'help' || verb === '--help' || verb === '-h') {
    (verb === undefined ? io.err : io.out)(CACHE_USAGE + '\n');
    return verb === undefined ? 1 : 0;
  }
  if (verb === 'stats') {
    const unknown = rest.find((arg) => arg !== '--json');
    if (unknown !== undefined) return usageError(io, `cache stats: unknown argument '${unknown}'`);
    const log = await open();
    try {
      const stats = await log.cacheStats(io.now - STATS_WINDOW_MS);
      if (json || rest.includes('--json')) io.out(JSON.stringify({ entries: stats.entries, hits_7d: stats.hits, saved_usd_7d: stats.saved_usd }) + '\n');
      else io.out(`entries: ${stats.entries}\nhits (7 days): ${stats.hits}\nsaved (7 days): ${formatUsd(stats.saved_usd)}\n`);
    } finally {
      await log.close();
    }
    return 0;
  }
  if (verb === 'clear') {
    let before: number | undefined;
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i]!;
      const inline = arg.startsWith('--older-than=') ? arg.slice('--older-than='.length) : undefined;
      if (arg !== '--older-than' && inline === undefined) return usageError(io, `cache clear: unknown argument '${arg}'`);
      const value = inline ?? rest[++i];
      const seconds = value === undefined ? undefined : durationSeconds(value);
      if (seconds === undefined) return usageError(io, `cache clear: --older-than needs a duration such as 7d, 12h or 30m, not '${value ?? ''}'`);
      before = io.now - seconds * 1000;
    }
    const log = await open();
    try {
      const cleared = await log.clearCache(before);
      io.err(`aish: cache: ${cleared} ${cleared === 1 ? 'answer' : 'answers'} will not answer again (the exchanges stay in the history)\n`);
    } finally {
      await log.close();
    }
    return 0;
  }
  return usageError(io, `cache: unknown command '${verb}' (stats or clear)`);
}

function usageError(io: CacheCommandIo, message: string): number {
  io.err(`aish: ${message}\n${CACHE_USAGE}\n`);
  return 1;
}
