/** The server over a real socket: SSE format, discovery, and every kind of bad input answered with a code. */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { startTestServer } from '../support/server.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer(undefined, { maxBodyBytes: 4096 });
});
afterAll(async () => {
  await server.close(100);
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = (reply: Reply): any => JSON.parse(reply.body);

describe('the SSE stream', () => {
  it('is start, content events with ids from 0 and no event line, then done', async () => {
    const reply = await call('POST', '/api/v2/ai/apollo/stream', JSON.stringify({ content: 'hi there' }));
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = reply.body.split('\n\n').filter(Boolean);
    expect(events[0]).toMatch(/^event: start\ndata: \{"type":"start","specialist_id":"apollo","request_id":"req_\w+","model":"echo"\}$/);
    expect(events[1]).toBe('id: 0\ndata: {"type":"content","data":"[apollo] ","specialist_id":"apollo"}');
    expect(events[2]).toBe('id: 1\ndata: {"type":"content","data":"hi ","specialist_id":"apollo"}');
    expect(events[3]).toBe('id: 2\ndata: {"type":"content","data":"there","specialist_id":"apollo"}');
    expect(events[4]).toMatch(/^event: done\ndata: \{"type":"done","specialist_id":"apollo","tokens_used":\{"input":\d+,"output":3\},"finish_reason":"stop","cache_key":"[0-9a-f]{64}"\}$/);
    expect(events).toHaveLength(5);
  });

  it('also answers GET with ?content= for a browser EventSource', async () => {
    const reply = await call('GET', '/api/v2/ai/athena/stream?content=' + encodeURIComponent('a b'));
    expect(reply.body).toContain('data: {"type":"content","data":"a ","specialist_id":"athena"}');
  });

  it('an answer with line breaks stays one data line per event', async () => {
    const reply = await call('POST', '/api/v2/ai/apollo/stream', JSON.stringify({ content: 'x\r\ny\n' }));
    for (const event of reply.body.split('\n\n').filter(Boolean)) {
      expect(event.split('\n').filter((line) => line.startsWith('data: '))).toHaveLength(1);
    }
  });
});

describe('message, health, capabilities and discovery', () => {
  it('message returns the whole answer', async () => {
    const reply = await call('POST', '/api/v2/ai/apollo/message', JSON.stringify({ content: 'hello', temperature: 0.2, max_tokens: 10 }));
    expect(json(reply)).toMatchObject({ content: '[apollo] hello', specialist_id: 'apollo', model: 'echo', finish_reason: 'stop', tokens_used: { output: 2 } });
    expect(typeof json(reply).elapsed_ms).toBe('number');
  });

  it('the v1 alias answers the same', async () => {
    expect(json(await call('POST', '/api/v1/ai/apollo/message', JSON.stringify({ content: 'x' }))).content).toBe('[apollo] x');
  });

  it('health and capabilities', async () => {
    expect(json(await call('GET', '/health'))).toMatchObject({ status: 'ok', specialists: 11 });
    expect(json(await call('GET', '/api/capabilities')).features).toMatchObject({ streaming: true, openai_compatible: true });
  });

  it('discovery filters by capability and score', async () => {
    const all = json(await call('GET', '/api/v2/discovery/ais'));
    expect(all.total).toBe(11);
    const planners = json(await call('GET', '/api/v2/discovery/ais?capability=planning&min_score=0.8'));
    expect(planners.ais.map((s: { id: string }) => s.id).sort()).toEqual(['metis', 'prometheus']);
    expect(typeof planners.timestamp).toBe('string');
  });

  it('best match, and 404 NO_MATCH below the threshold', async () => {
    expect(json(await call('GET', '/api/v2/discovery/best?capability=writing')).best_match.id).toBe('rhetor');
    const none = await call('GET', '/api/v2/discovery/best?capability=writing&threshold=0.99');
    expect(none.status).toBe(404);
    expect(json(none).error.code).toBe('NO_MATCH');
  });
});

describe('bad input gets a 4xx with a code', () => {
  const cases: [string, string, string, string | undefined, number, string][] = [
    ['malformed JSON', 'POST', '/api/v2/ai/apollo/message', '{"content": ', 400, 'BAD_REQUEST'],
    ['an empty body', 'POST', '/api/v2/ai/apollo/message', '', 400, 'BAD_REQUEST'],
    ['a JSON array', 'POST', '/api/v2/ai/apollo/message', '[1]', 400, 'BAD_REQUEST'],
    ['a missing content', 'POST', '/api/v2/ai/apollo/message', '{}', 400, 'BAD_REQUEST'],
    ['a content of the wrong type', 'POST', '/api/v2/ai/apollo/stream', '{"content": 42}', 400, 'BAD_REQUEST'],
    ['a temperature out of range', 'POST', '/api/v2/ai/apollo/message', '{"content":"x","temperature":9}', 400, 'BAD_REQUEST'],
    ['a fractional max_tokens', 'POST', '/api/v2/ai/apollo/message', '{"content":"x","max_tokens":1.5}', 400, 'BAD_REQUEST'],
    ['an unknown specialist', 'POST', '/api/v2/ai/nobody/stream', '{"content":"x"}', 404, 'SPECIALIST_NOT_FOUND'],
    ['an unknown model', 'POST', '/api/v2/ai/apollo/stream', '{"content":"x","model":"nope/x"}', 400, 'BAD_REQUEST'],
    ['an unknown route', 'GET', '/api/v2/nothing', undefined, 404, 'NOT_FOUND'],
    ['path traversal in an id', 'POST', '/api/v2/ai/..%2F..%2Fetc/message', '{"content":"x"}', 404, 'SPECIALIST_NOT_FOUND'],
    ['a best match without a capability', 'GET', '/api/v2/discovery/best', undefined, 400, 'BAD_REQUEST'],
    ['a bad status filter', 'GET', '/api/v2/discovery/ais?status=sleepy', undefined, 400, 'BAD_REQUEST'],
  ];
  for (const [what, method, path, body, status, code] of cases) {
    it(`${what}: ${status} ${code}`, async () => {
      const reply = await call(method, path, body);
      expect(reply.status).toBe(status);
      expect(json(reply).error.code).toBe(code);
      expect(typeof json(reply).error.message).toBe('string');
    });
  }

  it('a wrong method is 405 with an Allow header', async () => {
    const reply = await call('DELETE', '/api/v2/ai/apollo/message');
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('POST');
    expect(json(reply).error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('an oversized body is 413 before it is read', async () => {
    const reply = await call('POST', '/api/v2/ai/apollo/message', JSON.stringify({ content: 'x'.repeat(10_000) }));
    expect(reply.status).toBe(413);
    expect(json(reply).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('the server is healthy after all of that', async () => {
    expect(json(await call('GET', '/health')).status).toBe('ok');
  });
});
