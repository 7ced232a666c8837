/**
 * A small bulk request whose messages double at every step (`{prev}{prev}`):
 * substitution is capped at the body limit, so the server refuses the step
 * that would pass it instead of building gigabytes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { call } from './support/misbehaving-client.js';
import { startServeWith } from './support/serve-process.js';

const LEVELS = 30;

/** The most memory the process has held so far (VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;
  return Number(kib) / 1024;
}

describe('a bulk request of doubling messages', () => {
  it(`fails the first operation over the body limit with PAYLOAD_TOO_LARGE, skips the rest of the ${LEVELS} levels, and the server stays under 200 MiB`, async () => {
    const server = await startServeWith(['-q']);
    try {
      const operations = [{ id: 'op0', ai: 'apollo', message: 'x'.repeat(64) }];
      for (let level = 1; level < LEVELS; level++) operations.push({ id: `op${level}`, ai: 'apollo', message: `{op${level - 1}}{op${level - 1}}`, depends_on: [`op${level - 1}`] } as never);
      const body = JSON.stringify({ operations, execution: 'sequential', timeout: 20 });
      expect(Buffer.byteLength(body)).toBeLessThan(3000);
      const reply = await call(server.url, 'POST', '/api/v2/bulk', { body });
      expect(reply.status).toBe(200);
      const results = JSON.parse(reply.body).results as Record<string, { status: string; error?: { code: string } }>;
      const statuses = Object.values(results).map((result) => result.status);
      const failed = Object.entries(results).filter(([, result]) => result.status === 'error');
      expect(failed).toHaveLength(1);
      expect(failed[0]![1].error!.code).toBe('PAYLOAD_TOO_LARGE');
      // 64 bytes doubled (plus the echo's prefix) passes 1 MiB at the 14th step.
      expect(statuses.filter((status) => status === 'success').length).toBeLessThan(16);
      expect(statuses.slice(statuses.indexOf('error') + 1).every((status) => status === 'skipped')).toBe(true);
      expect(peakRssMiB(server.child.pid!)).toBeLessThan(200);
      expect((await call(server.url, 'GET', '/health')).status).toBe(200);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
