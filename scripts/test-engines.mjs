// Throwaway PostgreSQL and Redis servers for the tests and benchmarks: each on a free
// loopback port, its files in a temporary folder, stopped (and the folder removed) at the end.
// Plain JavaScript on node's own modules, so both the vitest global setup and `bench/*.mjs`
// can use it. Nothing here is shipped: `aish` itself never starts a database.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** What to install when an engine is missing (Debian package names). */
export const INSTALL_HINT = {
  postgres: 'apt-get install postgresql',
  redis: 'apt-get install redis-server',
};

/** The folder holding `initdb` and `pg_ctl`: on PATH, else the newest Debian cluster binaries. */
export function findPostgresBin() {
  const onPath = whichDirectory('initdb');
  if (onPath && existsSync(join(onPath, 'pg_ctl'))) return onPath;
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return undefined;
  const versions = readdirSync(debian).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(debian, version, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  return undefined;
}

/** The path of `redis-server`, or undefined. */
export function findRedisServer() {
  const directory = whichDirectory('redis-server');
  return directory ? join(directory, 'redis-server') : undefined;
}

function whichDirectory(command) {
  for (const directory of (process.env.PATH ?? '').split(':')) {
    if (directory && existsSync(join(directory, command))) return directory;
  }
  return undefined;
}

/** A loopback port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user
 * (Debian's package creates it), else as `nobody`, through `runuser`.
 */
function runAs() {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    if (spawnSync('id', ['-u', user]).status === 0) {
      const uid = Number(execFileSync('id', ['-u', user]).toString());
      const gid = Number(execFileSync('id', ['-g', user]).toString());
      return { user, uid, gid };
    }
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to run PostgreSQL');
}

function pgCommand(bin, owner, command, args) {
  const file = join(bin, command);
  return owner ? ['runuser', ['-u', owner.user, '--', file, ...args]] : [file, args];
}

function runPg(bin, owner, command, args) {
  const [file, argv] = pgCommand(bin, owner, command, args);
  // Run from the server's own folder: the user it runs as may not be allowed into the current one.
  const result = spawnSync(file, argv, { encoding: 'utf8', cwd: dirname(args[args.indexOf('-D') + 1]), env: { ...process.env, LC_ALL: 'C' } });
  if (result.error) throw new Error(`${file} could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} failed (status ${result.status}): ${(result.stderr || result.stdout || '').trim()}`);
  return result.stdout;
}

/**
 * Starts PostgreSQL with its data in `folder` (created) on a free loopback port. Tuned for
 * throwaway use unless `durable`: no fsync, so tests do not wait on the disk.
 * Returns `{ url, stop(), halt(), resume() }`; `url` connects as the superuser `aish` to database `postgres`.
 * Run as root, the server runs as another user, who must be able to enter `folder`'s parent.
 */
export async function startPostgres(folder, { durable = false, maxConnections = 300 } = {}) {
  const bin = findPostgresBin();
  if (!bin) throw new Error(`PostgreSQL not found (initdb, pg_ctl): ${INSTALL_HINT.postgres}`);
  const owner = runAs();
  const data = join(folder, 'data');
  mkdirSync(folder, { recursive: true });
  if (owner) chownSync(folder, owner.uid, owner.gid);
  runPg(bin, owner, 'initdb', ['-D', data, '-U', 'aish', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
  const port = await freePort();
  const options = [
    `-c listen_addresses=127.0.0.1`, `-p ${port}`, `-k ${folder}`, `-c max_connections=${maxConnections}`,
    ...(durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
  ].join(' ');
  const start = () => runPg(bin, owner, 'pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', join(folder, 'postgres.log'), '-o', options]);
  start();
  const url = `postgres://aish@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    stop: () => stopEngine(folder),
    // For outage tests: the server goes away (its connections dropped) and comes back on the same port with its data.
    halt: () => runPg(bin, owner, 'pg_ctl', ['stop', '-w', '-m', 'fast', '-D', data]),
    resume: start,
  };
}

/** Starts `redis-server` on a free loopback port, nothing saved to disk. Returns `{ url, stop() }`. */
export async function startRedis(folder) {
  const server = findRedisServer();
  if (!server) throw new Error(`Redis not found (redis-server): ${INSTALL_HINT.redis}`);
  mkdirSync(folder, { recursive: true });
  const port = await freePort();
  const pidFile = join(folder, 'redis.pid');
  const child = spawn(server, [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', folder, '--daemonize', 'yes', '--pidfile', pidFile, '--logfile', join(folder, 'redis.log'),
  ], { stdio: 'ignore' });
  const status = await new Promise((resolve) => child.once('exit', resolve));
  if (status !== 0) throw new Error(`redis-server failed to start (status ${status}); see ${join(folder, 'redis.log')}`);
  await waitForPong(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => stopEngine(folder),
  };
}

/**
 * Stops the engine whose files are in `folder` and removes the folder. Works from any process
 * (it reads the pid files), so a test run's teardown stops what a test worker started.
 */
export function stopEngine(folder) {
  const postgresPid = pidFrom(join(folder, 'data', 'postmaster.pid'));
  // SIGQUIT is PostgreSQL's immediate shutdown; the server is thrown away anyway.
  if (postgresPid) signalAndWait(postgresPid, 'SIGQUIT');
  const redisPid = pidFrom(join(folder, 'redis.pid'));
  if (redisPid) signalAndWait(redisPid, 'SIGKILL');
  rmSync(folder, { recursive: true, force: true });
}

function pidFrom(file) {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function signalAndWait(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    return; // Already gone.
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && alive(pid)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForPong(port) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (await ping(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(1_000, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk;
      if (answer.includes('\r\n')) socket.end();
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(answer.startsWith('+PONG')));
  });
}
