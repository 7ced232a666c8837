/** Performance measured from real calls: latency, success rate, request count. */
import type { Performance } from '../protocol/index.js';

interface Tally {
  requests: number;
  successes: number;
  totalMs: number;
}

export class PerformanceBook {
  private readonly tallies = new Map<string, Tally>();

  record(specialistId: string, elapsedMs: number, success: boolean): void {
    const tally = this.tallies.get(specialistId) ?? { requests: 0, successes: 0, totalMs: 0 };
    tally.requests++;
    tally.totalMs += elapsedMs;
    if (success) tally.successes++;
    this.tallies.set(specialistId, tally);
  }

  of(specialistId: string): Performance {
    const tally = this.tallies.get(specialistId);
    if (!tally || tally.requests === 0) return { avg_response_time: 0, success_rate: 1, requests: 0 };
    return {
      avg_response_time: Math.round(tally.totalMs / tally.requests) / 1000,
      success_rate: tally.successes / tally.requests,
      requests: tally.requests,
    };
  }
}
