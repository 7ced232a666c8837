/**
 * Real PostgreSQL and Redis for the backend tests. Each engine starts on first use, once per
 * test run (the first worker to ask starts it, the others wait for its URL), and the global
 * setup (engines-global.ts) stops it at the end. Where an engine is not installed, its tests
 * are skipped (`describe.skipIf(!hasPostgres)`): the global setup has said so in one line,
 * and under CI=true it has failed the run instead.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startPostgres, startRedis, type RunningEngine } from '../../scripts/test-engines.mjs';

const missing = (process.env.AISH_TEST_ENGINES_MISSING ?? '').split(',');

/** Whether PostgreSQL can run in these tests. */
export const hasPostgres = Boolean(process.env.AISH_TEST_ENGINES) && !missing.includes('postgres');
/** Whether Redis can run in these tests. */
export const hasRedis = Boolean(process.env.AISH_TEST_ENGINES) && !missing.includes('redis');

const started = new Map<string, Promise<string>>();

/** The URL of this run's PostgreSQL server (superuser `aish`, database `postgres`). */
export function postgresServerUrl(): Promise<string> {
  return engineUrl('postgres', (folder) => startPostgres(folder));
}

/** The URL of this run's Redis server. Tests share it: give keys a per-test prefix or use a database number. */
export function redisUrl(): Promise<string> {
  return engineUrl('redis', (folder) => startRedis(folder));
}

let databases = 0;

/** A new empty PostgreSQL database on this run's server, for one test: its URL. */
export async function freshPostgresDatabase(): Promise<string> {
  const serverUrl = await postgresServerUrl();
  const name = `aish_test_${process.pid}_${++databases}_${Date.now().toString(36)}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function engineUrl(kind: string, start: (folder: string) => Promise<RunningEngine>): Promise<string> {
  let url = started.get(kind);
  if (!url) {
    url = startOnce(kind, start);
    started.set(kind, url);
  }
  return url;
}

/** The first worker to claim `kind` (an atomic mkdir) starts it and writes its URL; the others wait for that file. */
async function startOnce(kind: string, start: (folder: string) => Promise<RunningEngine>): Promise<string> {
  const root = process.env.AISH_TEST_ENGINES;
  if (!root) throw new Error('no engines folder: the backend tests need vitest.config.ts’s global setup (tests/support/engines-global.ts)');
  const folder = join(root, kind);
  const urlFile = join(root, `${kind}.url`);
  const errorFile = join(root, `${kind}.error`);
  try {
    mkdirSync(folder);
  } catch {
    return waitForFile(urlFile, errorFile, kind);
  }
  try {
    const engine = await start(folder);
    // Written whole, then renamed: a waiting worker never reads half a URL.
    writeFileSync(`${urlFile}.part`, engine.url);
    renameSync(`${urlFile}.part`, urlFile);
    return engine.url;
  } catch (error) {
    writeFileSync(errorFile, String((error as Error).message));
    throw error;
  }
}

async function waitForFile(urlFile: string, errorFile: string, kind: string): Promise<string> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (existsSync(urlFile)) return readFileSync(urlFile, 'utf8');
    if (existsSync(errorFile)) throw new Error(`${kind} failed to start: ${readFileSync(errorFile, 'utf8')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${kind} did not start within 120 s`);
}
