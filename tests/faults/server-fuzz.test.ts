/**
 * Bad input at every endpoint (the seeded fuzz of bench/load.mjs, smaller):
 * malformed JSON, wrong types, huge numbers, unicode, path traversal in ids,
 * bad methods, huge headers. Every case gets an answer below 500, the server
 * still answers /health, and nothing is left unhandled.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: the bench is plain JavaScript, without type declarations.
import { badOutcomes, fuzzCases, runFuzz } from '../../bench/load.mjs';
import { builtinRoster } from '../../src/config/index.js';
import { createApp, Protection, startServer, type RunningServer } from '../../src/server/index.js';
import { SpecialistService } from '../../src/service/index.js';

let server: RunningServer;
const unhandled: unknown[] = [];
const record = (error: unknown): void => {
  unhandled.push(error);
};

beforeAll(async () => {
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  const service = new SpecialistService({ roster: builtinRoster(), defaultModel: 'echo', database: join(mkdtempSync(join(tmpdir(), 'aish-fuzz-')), 'aish.db') });
  server = await startServer(createApp({ service }), { host: '127.0.0.1', port: 0, protection: new Protection({ maxStreams: 64, maxBulkOperations: 100 }) });
  await fetch(`${server.url}/api/v2/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"specialist_id":"apollo","name":"fuzz"}' });
});
afterAll(async () => {
  await server.close(100);
  process.off('unhandledRejection', record);
  process.off('uncaughtException', record);
});

describe('bad input at every endpoint', () => {
  it('is answered with a status below 500, never a hang, and the server lives on', async () => {
    const { table, samples } = (await runFuzz(server.url, fuzzCases(7, 400))) as { table: Record<string, number>; samples: Record<string, string> };
    const faults = badOutcomes(table) as string[];
    expect(faults.map((outcome) => `${outcome}: ${samples[outcome]}`)).toEqual([]);
    // The cases reach the routes, not only the router: some are accepted, most refused.
    expect(table['200']).toBeGreaterThan(0);
    expect(table['400']).toBeGreaterThan(0);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect(unhandled).toEqual([]);
  });
});
