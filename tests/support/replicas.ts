/**
 * Replicas for the scale tests: a Redis of the test's own (it may be stopped
 * and started again on the same port, which the run's shared one in
 * engines.ts may not) and `aish serve` processes sharing it and one
 * database, as a team runs them behind a load balancer. Whether Redis is
 * installed, and what happens when it is not, is engines.ts's `hasRedis`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { findRedisServer, freePort } from '../../scripts/test-engines.mjs';
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
