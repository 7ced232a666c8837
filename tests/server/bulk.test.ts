/** `POST /api/v2/bulk` over HTTP: JSON and SSE answers, and 400s before anything runs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRoster } from '../../src/config/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { SpecialistService } from '../../src/service/index.js';
import { startTestServer } from '../support/server.js';

let server: RunningServer;
let slowServer: RunningServer;

beforeAll(async () => {
  server = await startTestServer();
  slowServer = await startTestServer(new SpecialistService({ roster: builtinRoster(), defaultModel: 'echo?ttft_ms=5000' }));
});
afterAll(async () => {
  await server.close(100);
  await slowServer.close(100);
});

async function bulk(body: unknown, on = server): Promise<{ status: number; json: any }> {
  const response = await fetch(`${on.url}/api/v2/bulk`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

/** SSE text as `{event, data}` pairs. */
function sseEvents(text: string): { event: string | undefined; data: any }[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice('event: '.length);
      const data = lines.find((line) => line.startsWith('data: '))!.slice('data: '.length);
      return { event, data: JSON.parse(data) };
    });
}

describe('POST /api/v2/bulk', () => {
  it('is announced in the capabilities', async () => {
    const response = await fetch(`${server.url}/api/capabilities`);
    expect(((await response.json()) as { features: { bulk_operations: boolean } }).features.bulk_operations).toBe(true);
  });

  it('runs a graph and answers with every result', async () => {
    const { status, json } = await bulk({
      operations: [
        { id: 'op1', ai: 'apollo', message: 'Analyze: x' },
        { id: 'op2', ai: 'athena', message: 'Review {op1}', depends_on: ['op1'] },
        { id: 'op3', ai: '@planning', message: 'Plan from {op1} and {op2}', depends_on: ['op1', 'op2'] },
      ],
    });
    expect(status).toBe(200);
    expect(json).toMatchObject({ request_id: expect.stringMatching(/^bulk_/), status: 'completed', total_tokens: { input: expect.any(Number), output: expect.any(Number) } });
    expect(json.results.op2).toMatchObject({ status: 'success', ai: 'athena', response: '[athena] Review [apollo] Analyze: x' });
    expect(json.results.op3).toMatchObject({ status: 'success', ai: 'prometheus' });
    expect(typeof json.execution_time).toBe('number');
  });

  it('answers partial with skipped dependants when one operation fails', async () => {
    const { status, json } = await bulk({
      operations: [
        { id: 'bad', ai: 'nobody', message: 'x' },
        { id: 'after', ai: 'apollo', message: '{bad}', depends_on: ['bad'] },
        { id: 'good', ai: 'apollo', message: 'y' },
      ],
    });
    expect(status).toBe(200);
    expect(json.status).toBe('partial');
    expect(json.results.bad).toMatchObject({ status: 'error', error: { code: 'SPECIALIST_NOT_FOUND' } });
    expect(json.results.after.status).toBe('skipped');
    expect(json.results.good.status).toBe('success');
  });

  it('a timeout answers promptly with TIMEOUT errors', async () => {
    const { status, json } = await bulk({ operations: [{ id: 'a', ai: 'apollo', message: 'x' }, { id: 'b', ai: 'hermes', message: 'y' }], timeout: 0.2 }, slowServer);
    expect(status).toBe(200);
    expect(json.status).toBe('failed');
    expect(json.results.a.error.code).toBe('TIMEOUT');
    expect(json.results.b.error.code).toBe('TIMEOUT');
  });

  it.each([
    ['a cycle', { operations: [{ id: 'op1', ai: 'apollo', message: 'x', depends_on: ['op2'] }, { id: 'op2', ai: 'apollo', message: 'y', depends_on: ['op1'] }] }, 'INVALID_GRAPH', 'dependency cycle: op1 → op2 → op1'],
    ['an unknown dependency', { operations: [{ id: 'a', ai: 'apollo', message: 'x', depends_on: ['b'] }] }, 'INVALID_GRAPH', "operation 'a' depends on unknown operation 'b'"],
    ['an empty list', { operations: [] }, 'INVALID_GRAPH', "'operations' is empty"],
    ['1,001 operations', { operations: Array.from({ length: 1001 }, (_, i) => ({ id: `o${i}`, ai: 'apollo', message: 'x' })) }, 'INVALID_GRAPH', 'too many operations: 1001'],
    ['a numeric id', { operations: [{ id: 7, ai: 'apollo', message: 'x' }] }, 'BAD_REQUEST', "'operations[0].id' must be a non-empty string"],
    ['a missing operations field', {}, 'BAD_REQUEST', "'operations' must be an array"],
    ['malformed JSON', '{"operations": [', 'BAD_REQUEST', ''],
  ])('refuses %s with 400 before anything runs', async (_name, body, code, message) => {
    const { status, json } = await bulk(body);
    expect(status).toBe(400);
    expect(json.error.code).toBe(code);
    expect(json.error.message).toContain(message);
  });

  it('refuses an invalid graph with a plain 400 even when streaming is asked for', async () => {
    const { status, json } = await bulk({ operations: [{ id: 'a', ai: 'apollo', message: '{b}' }, { id: 'b', ai: 'apollo', message: 'x' }], stream: true });
    expect(status).toBe(400);
    expect(json.error).toMatchObject({ code: 'INVALID_GRAPH', message: "operation 'a' uses {b} but does not list 'b' in depends_on" });
  });

  it('streams op.* events with event lines, then done carrying the whole answer', async () => {
    const response = await fetch(`${server.url}/api/v2/bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        operations: [
          { id: 'a', ai: 'apollo', message: 'x y' },
          { id: 'bad', ai: 'nobody', message: 'z' },
          { id: 'c', ai: 'apollo', message: '{bad}', depends_on: ['bad'] },
        ],
        execution: 'sequential',
        stream: true,
      }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const events = sseEvents(await response.text());
    expect(events.every((e) => e.event !== undefined)).toBe(true);
    const named = events.filter((e) => e.event !== 'op.content').map((e) => `${e.event}:${e.data.op_id ?? ''}`);
    expect(named).toEqual(['op.start:a', 'op.done:a', 'op.error:bad', 'op.skipped:c', 'done:']);
    expect(events[0]!.data).toEqual({ op_id: 'a', ai: 'apollo' });
    const content = events.filter((e) => e.event === 'op.content');
    expect(content.map((e) => e.data.data).join('')).toBe('[apollo] x y');
    expect(content[0]!.data.op_id).toBe('a');
    const done = events.find((e) => e.event === 'op.done')!.data;
    expect(done).toMatchObject({ op_id: 'a', response: '[apollo] x y', tokens_used: { input: expect.any(Number), output: expect.any(Number) } });
    expect(typeof done.execution_time).toBe('number');
    expect(events.find((e) => e.event === 'op.error')!.data).toMatchObject({ op_id: 'bad', error: { code: 'SPECIALIST_NOT_FOUND' } });
    const final = events.at(-1)!.data;
    expect(final).toMatchObject({ status: 'partial', results: { a: { status: 'success' }, bad: { status: 'error' }, c: { status: 'skipped' } } });
    expect(final.request_id).toMatch(/^bulk_/);
  });

  it('a client that goes away mid-stream cancels the run; the server stays healthy', async () => {
    const controller = new AbortController();
    const response = await fetch(`${slowServer.url}/api/v2/bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operations: [{ id: 'a', ai: 'apollo', message: 'x' }], stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('event: op.start');
    controller.abort();
    const health = await fetch(`${slowServer.url}/health`);
    expect(health.status).toBe(200);
  });
});
