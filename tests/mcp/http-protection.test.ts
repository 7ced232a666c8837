/** `/mcp` on `aish serve` is behind the server's token (like every route but /health) and each client's stream slots. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeWithConfig, startServe, tempHome, type Served } from '../support/aish.js';
import { httpClient } from './support.js';

const TOKEN = 'mcp-test-token-0123456789';
let served: Served;

beforeAll(async () => {
  served = await startServe(tempHome(), { AISH_TOKEN: TOKEN });
}, 60_000);

afterAll(async () => {
  await served?.stop();
});

const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'curl', version: '1' } } };

function post(headers: Record<string, string>): Promise<Response> {
  return fetch(`${served.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(INITIALIZE),
  });
}

describe('/mcp and the server token', () => {
  it('answers 401 without the token, and with a wrong one', async () => {
    const missing = await post({});
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    expect((await post({ authorization: 'Bearer not-the-token-at-all' })).status).toBe(401);
  });

  it("the SDK's client with the token lists the tools", async () => {
    const client = await httpClient(served.url, TOKEN);
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('apollo');
    } finally {
      await client.close();
    }
  });

  it("the SDK's client without the token cannot connect", async () => {
    await expect(httpClient(served.url)).rejects.toThrow();
  });
});

describe('/mcp and the stream slots', () => {
  let limited: Served;

  beforeAll(async () => {
    limited = await startServe(homeWithConfig('server: { max_streams: 1 }\nspecialists:\n  slowpoke: { description: Slow, model: "echo?ttft_ms=5000", capabilities: { scores: { slowness: 0.5 } } }\n'));
  }, 60_000);

  afterAll(async () => {
    await limited?.stop();
  });

  it('a client holding its only stream slot with a call gets 429 for another request', async () => {
    const call = (id: number, name: string, signal?: AbortSignal): Promise<Response> =>
      fetch(`${limited.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: { message: 'x' } } }),
        ...(signal && { signal }),
      });
    const first = new AbortController();
    const slow = await call(1, 'slowpoke', first.signal);
    expect(slow.status).toBe(200);
    const refused = await call(2, 'apollo');
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    first.abort();
    await slow.body?.cancel().catch(() => {});
  }, 60_000);
});
