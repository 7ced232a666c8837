/**
 * Replicas for the scale tests: a Redis of the test's own (it may be stopped
 * and started again on the same port, which the run's shared one in
 * engines.ts may not) and `aish serve` processes sharing it and one
 * database, as a team runs them behind a load balancer. Whether Redis is
 * installed, and what happens when it is not, is engines.ts's `hasRedis`.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, statSync } from 'node:fs';
import pg from 'pg';
import { findPostgresBin, findRedisServer, freePort, startPostgres } from '../../scripts/test-engines.mjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServeWith, type ServeProcess } from '../faults/support/serve-process.js';

export interface TestRedis {
  url: string;
  port: number;
  /** Stops it (its data goes: aish keeps nothing there that must last). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

/** A throwaway redis-server on a free loopback port, without persistence. */
export async function startTestRedis(): Promise<TestRedis> {
  const port = await freePort();
  const folder = mkdtempSync(join(tmpdir(), 'aish-redis-'));
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(findRedisServer() ?? 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', folder], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise<void>((resolve, reject) => {
      let text = '';
      child!.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        if (/Ready to accept connections/.test(text)) resolve();
      });
      child!.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${text}`)));
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop: () =>
      new Promise((resolve) => {
        if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** `aish serve --redis URL` with this HOME (so the same database and config); more flags after. */
export function startReplica(home: string, redis: string, args: string[] = []): Promise<ServeProcess> {
  return startServeWith(['--redis', redis, '-q', ...args], { home });
}

/** JSON over HTTP: status and parsed body. */
export async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(url + path, {
    method,
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    // A call that hangs fails the test instead of passing late.
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

export interface TestPostgres {
  /** A database of its own on it, for aish (`--db`). */
  url: string;
  /** Stops it (fast shutdown: connections are cut, data is kept). */
  stop(): void;
  /** Starts it again on the same port with the same data. */
  start(): void;
  /** Stops it for good and removes its files. */
  remove(): void;
}

/** A throwaway PostgreSQL server of the test's own, which the test may stop and start again. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const folder = mkdtempSync(join(tmpdir(), 'aish-pg-'));
  chmodSync(folder, 0o755);
  const server = await startPostgres(join(folder, 'server'));
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  await client.query('CREATE DATABASE aish_replicas');
  await client.end();
  const data = join(folder, 'server', 'data');
  const options = `-c listen_addresses=127.0.0.1 -p ${server.port} -k ${join(folder, 'server')} -c fsync=off`;
  return {
    url: server.url.replace(/\/postgres$/, '/aish_replicas'),
    stop: () => pgCtl(data, ['stop', '-w', '-m', 'fast', '-D', data]),
    start: () => pgCtl(data, ['start', '-w', '-t', '60', '-D', data, '-l', join(folder, 'server', 'postgres.log'), '-o', options]),
    remove: () => server.stop(),
  };
}

/** Runs pg_ctl as the owner of the data folder (PostgreSQL refuses to run as root). */
function pgCtl(data: string, args: string[]): void {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL not found');
  const owner = statSync(data).uid;
  const asOwner = process.getuid?.() === 0 && owner !== 0;
  const user = asOwner ? execFileSync('id', ['-nu', String(owner)]).toString().trim() : '';
  const [file, argv] = asOwner ? ['runuser', ['-u', user, '--', join(bin, 'pg_ctl'), ...args]] : [join(bin, 'pg_ctl'), args];
  const result = spawnSync(file, argv, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pg_ctl ${args[0]} failed: ${result.stderr || result.stdout}`);
}
