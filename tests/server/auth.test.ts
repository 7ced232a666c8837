/** Bearer-token auth: the check itself, the server with --token, and the client that must send it. */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createAuthorizer, isLoopbackHost, Protection } from '../../src/server/index.js';
import { aishC, runAish } from '../support/aish.js';
import { call } from '../faults/support/misbehaving-client.js';
import { startServeWith } from '../faults/support/serve-process.js';

const url = (path: string): URL => new URL(path, 'http://localhost');

describe('the token check', () => {
  const authorize = createAuthorizer('s3cret-token');

  it('lets through the right Bearer token, any case of "Bearer"', () => {
    expect(authorize({ authorization: 'Bearer s3cret-token' }, url('/api/v2/sessions'))).toBeUndefined();
    expect(authorize({ authorization: 'bearer s3cret-token' }, url('/api/v2/sessions'))).toBeUndefined();
  });

  it('refuses a missing, wrong, longer, shorter or non-Bearer token with UNAUTHORIZED', () => {
    for (const authorization of [undefined, 'Bearer wrong', 'Bearer s3cret-token-and-more', 'Bearer s3cret', 'Basic czNjcmV0LXRva2Vu', 'Bearer', 'Bearer  ']) {
      const headers = authorization === undefined ? {} : { authorization };
      expect({ authorization, code: authorize(headers, url('/x'))?.code }).toEqual({ authorization, code: 'UNAUTHORIZED' });
    }
  });

  it('takes ?token= when there is no Authorization header (WebSocket upgrades, EventSource)', () => {
    expect(authorize({}, url('/ws/ai/apollo?token=s3cret-token'))).toBeUndefined();
    expect(authorize({}, url('/ws/ai/apollo?token=nope'))?.code).toBe('UNAUTHORIZED');
  });

  it('without a server token lets everything through', () => {
    expect(createAuthorizer(undefined)({}, url('/api/v2/sessions'))).toBeUndefined();
  });
});

describe('loopback addresses', () => {
  it('are localhost, 127.0.0.0/8 and ::1; everything else needs a token', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) expect({ host, loopback: isLoopbackHost(host) }).toEqual({ host, loopback: true });
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com', '10.0.0.1', '128.0.0.1']) expect({ host, loopback: isLoopbackHost(host) }).toEqual({ host, loopback: false });
  });
});

describe('the WebSocket upgrade check', () => {
  const protection = new Protection({ token: 'ws-token' });
  const upgrade = (path: string, headers: Record<string, string> = {}): IncomingMessage =>
    ({ method: 'GET', url: path, headers: { upgrade: 'websocket', ...headers }, socket: { remoteAddress: '127.0.0.1' } }) as unknown as IncomingMessage;

  it('refuses an upgrade without the token with 401 and WWW-Authenticate', async () => {
    const refusal = await protection.checkUpgrade(upgrade('/ws/ai/apollo'));
    expect(refusal?.error.code).toBe('UNAUTHORIZED');
    expect(refusal?.headers['www-authenticate']).toBe('Bearer realm="aish"');
  });

  it('accepts the token as a header or as ?token=', async () => {
    expect(await protection.checkUpgrade(upgrade('/ws/ai/apollo', { authorization: 'Bearer ws-token' }))).toBeUndefined();
    expect(await protection.checkUpgrade(upgrade('/ws/ai/apollo?token=ws-token'))).toBeUndefined();
  });
});

describe('aish serve --token', () => {
  it('needs the token on every endpoint but /health, and the client passes it from --token or AISH_TOKEN', async () => {
    const server = await startServeWith(['--token', 'serve-token-1']);
    try {
      expect((await call(server.url, 'GET', '/health')).status).toBe(200);
      const refused = await call(server.url, 'GET', '/api/v2/discovery/ais');
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer realm="aish"');
      expect((await call(server.url, 'GET', '/api/v2/discovery/ais', { headers: { authorization: 'Bearer serve-token-1' } })).status).toBe(200);

      const without = await runAish(['--server', server.url, '-c', 'echo hi | apollo']);
      expect(without.status).toBe(1);
      expect(without.stdout).toBe('');
      expect(without.stderr.trim().split('\n')).toEqual([`aish: the server at ${server.url} needs a token: use --token or AISH_TOKEN`]);

      const wrong = await runAish(['--server', server.url, '--token', 'nope', '-c', 'echo hi | apollo']);
      expect(wrong.status).toBe(1);
      expect(wrong.stderr.trim().split('\n')).toEqual([`aish: the server at ${server.url} did not accept the token: check --token or AISH_TOKEN`]);

      const flag = await runAish(['--server', server.url, '--token', 'serve-token-1', '-c', 'echo hi | apollo']);
      expect(flag.stdout).toBe('[apollo] hi\n');
      expect(flag.status).toBe(0);
      const env = await aishC('echo hi | apollo', { env: { AISH_SERVER: server.url, AISH_TOKEN: 'serve-token-1' } });
      expect(env.stdout).toBe('[apollo] hi\n');
    } finally {
      await server.stop();
    }
  });

  it('takes the token from AISH_TOKEN too', async () => {
    const server = await startServeWith([], { env: { AISH_TOKEN: 'env-token-2' } });
    try {
      expect((await call(server.url, 'GET', '/api/v2/sessions')).status).toBe(401);
      expect((await call(server.url, 'GET', '/api/v2/sessions', { headers: { authorization: 'Bearer env-token-2' } })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('refuses to listen on a non-loopback address without a token, with a clear message and status 1', async () => {
    const result = await runAish(['serve', '--host', '0.0.0.0', '--port', '0']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('refusing to listen on 0.0.0.0 without a token');
    expect(result.stderr).toContain('--token');
  });

  it('refuses a blank token anywhere, and a token under 16 characters on a non-loopback address', async () => {
    const blank = await runAish(['serve', '--host', '0.0.0.0', '--port', '0', '--token', ' ']);
    expect(blank.status).toBe(1);
    expect(blank.stderr).toContain('aish: serve: the token is blank');
    const blankLocal = await runAish(['serve', '--port', '0'], { env: { AISH_TOKEN: '   ' } });
    expect(blankLocal.status).toBe(1);
    expect(blankLocal.stderr).toContain('the token is blank');
    const short = await runAish(['serve', '--host', '0.0.0.0', '--port', '0', '--token', 'fifteen-chars15']);
    expect(short.status).toBe(1);
    expect(short.stderr).toContain('aish: serve: the token is too short for 0.0.0.0, which other machines can reach: use at least 16 characters');
  });

  it('listens on a non-loopback address when it has a token', async () => {
    const server = await startServeWith(['--host', '0.0.0.0', '--token', 'wide-token-3-long-enough']);
    try {
      expect(server.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      const port = new URL(server.url).port;
      expect((await call(`http://127.0.0.1:${port}`, 'GET', '/health')).status).toBe(200);
      expect((await call(`http://127.0.0.1:${port}`, 'GET', '/api/v2/sessions')).status).toBe(401);
    } finally {
      await server.stop();
    }
  });

  it('asks WebSocket upgrades for the token too: header or ?token=', async () => {
    const server = await startServeWith(['--token', 'ws-token-4']);
    const ws = server.url.replace(/^http/, 'ws');
    try {
      expect(await upgrade(`${ws}/ws/ai/apollo`)).toEqual({ status: 401, authenticate: 'Bearer realm="aish"' });
      expect(await upgrade(`${ws}/ws/ai/apollo?token=wrong`)).toEqual({ status: 401, authenticate: 'Bearer realm="aish"' });
      expect(await upgrade(`${ws}/ws/ai/apollo?token=ws-token-4`)).toEqual({ status: 101 });
      expect(await upgrade(`${ws}/ws/ai/apollo`, { authorization: 'Bearer ws-token-4' })).toEqual({ status: 101 });
    } finally {
      await server.stop();
    }
  });
});

/** Tries a WebSocket upgrade: 101 when it opens, else the refusal's status and WWW-Authenticate. */
function upgrade(address: string, headers: Record<string, string> = {}): Promise<{ status: number; authenticate?: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(address, { headers });
    socket.on('open', () => {
      socket.close();
      resolve({ status: 101 });
    });
    socket.on('unexpected-response', (_request, response) => {
      response.resume();
      resolve({ status: response.statusCode!, authenticate: response.headers['www-authenticate'] as string });
    });
    socket.on('error', reject);
  });
}
