/** The bulk dependency-graph runner: validation, substitution, scheduling and failure rules. */
import { describe, expect, it } from 'vitest';
import { builtinRoster } from '../../src/config/index.js';
import { AishError } from '../../src/protocol/index.js';
import { substitute } from '../../src/service/bulk.js';
import type { BulkOperation, BulkRequest } from '../../src/protocol/index.js';
import { SpecialistService } from '../../src/service/index.js';
import { parseBulkRequest, runBulk, streamBulk, type BulkEvent } from '../../src/service/bulk.js';

/** A service whose specialists answer with the echo model, paced by `query` (`ttft_ms=…`). */
const service = (query = ''): SpecialistService => new SpecialistService({ roster: builtinRoster(), defaultModel: query ? `echo?${query}` : 'echo' });

async function run(request: BulkRequest, on = service()): Promise<{ result: Awaited<ReturnType<typeof runBulk>>; events: BulkEvent[] }> {
  const events: BulkEvent[] = [];
  const result = await runBulk(on, request, undefined, (event) => events.push(event));
  return { result, events };
}

function refusal(body: unknown): AishError {
  try {
    parseBulkRequest(body);
  } catch (error) {
    return error as AishError;
  }
  throw new Error('expected the request to be refused');
}

async function graphRefusal(operations: BulkOperation[]): Promise<AishError> {
  const error = await runBulk(service(), { operations }).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(AishError);
  return error as AishError;
}

const op = (id: string, message: string, depends_on?: string[], ai = 'apollo'): BulkOperation => ({ id, ai, message, ...(depends_on && { depends_on }) });
const order = (events: BulkEvent[]): string[] => events.filter((e) => e.type !== 'op.content').map((e) => `${e.type}:${'op_id' in e ? e.op_id : ''}`);

describe('bulk graph validation (nothing runs)', () => {
  it.each([
    ['an empty operation list', [], /needs at least one operation/],
    ['a duplicate id', [op('a', 'x'), op('a', 'y')], /duplicate operation id 'a'/],
    ['an unknown dependency', [op('a', 'x', ['zz'])], /operation 'a' depends on unknown operation 'zz'/],
    ['a two-operation cycle', [op('op1', 'x', ['op2']), op('op2', 'y', ['op1'])], /dependency cycle: op1 → op2 → op1/],
    ['an operation depending on itself', [op('a', 'x', ['a'])], /dependency cycle: a → a/],
    ['a placeholder not in depends_on', [op('op1', 'x'), op('op2', 'see {op1}')], /operation 'op2' uses \{op1\} but does not list 'op1' in depends_on/],
    ['a placeholder naming its own operation', [op('op1', 'see {op1}')], /operation 'op1' uses its own response \{op1\}/],
  ])('refuses %s with INVALID_GRAPH', async (_name, operations, message) => {
    const error = await graphRefusal(operations as BulkOperation[]);
    expect(error.code).toBe('INVALID_GRAPH');
    expect(error.message).toMatch(message);
  });

  it('names a longer cycle in dependency order', async () => {
    const error = await graphRefusal([op('a', 'x'), op('b', 'x', ['c']), op('c', 'x', ['d']), op('d', 'x', ['b', 'a'])]);
    expect(error.message).toBe('dependency cycle: b → c → d → b');
  });

  it('refuses 1,001 operations before looking at each', () => {
    const error = refusal({ operations: Array.from({ length: 1001 }, () => null) });
    expect(error).toMatchObject({ code: 'INVALID_GRAPH', message: 'too many operations: 1001 (at most 1,000)' });
  });

  it('accepts 1,000 chained operations (no stack overflow in the cycle check)', async () => {
    const operations = Array.from({ length: 1000 }, (_, i) => op(`o${i}`, 'x', i > 0 ? [`o${i - 1}`] : undefined));
    operations[0]!.depends_on = ['o999'];
    expect((await graphRefusal(operations)).message).toMatch(/^dependency cycle: o0 → o999 → o998/);
  });

  it.each([
    ['a body that is not an object', [], 'the request body must be a JSON object', undefined],
    ['operations that are not an array', { operations: 'x' }, "'operations' must be an array of operations", 'operations'],
    ['an operation that is not an object', { operations: [1] }, "'operations[0]' must be a JSON object", 'operations[0]'],
    ['a missing id', { operations: [{ ai: 'apollo', message: 'x' }] }, "'operations[0].id' must be a non-empty string", 'operations[0].id'],
    ['an empty id', { operations: [{ id: '', ai: 'apollo', message: 'x' }] }, "'operations[0].id' must be a non-empty string", 'operations[0].id'],
    ['a numeric ai', { operations: [{ id: 'a', ai: 3, message: 'x' }] }, "'operations[0].ai' must be a non-empty string", 'operations[0].ai'],
    ['a message that is not a string', { operations: [{ id: 'a', ai: 'apollo', message: {} }] }, "'operations[0].message' must be a non-empty string", 'operations[0].message'],
    ['depends_on that is a string', { operations: [{ id: 'a', ai: 'apollo', message: 'x', depends_on: 'b' }] }, "'operations[0].depends_on' must be an array", 'operations[0].depends_on'],
    ['an unknown execution mode', { operations: [op('a', 'x')], execution: 'fast' }, "'execution' must be 'parallel' or 'sequential'", 'execution'],
    ['a zero timeout', { operations: [op('a', 'x')], timeout: 0 }, "'timeout' must be a number of seconds above 0", 'timeout'],
    ['a fractional max_parallel', { operations: [op('a', 'x')], max_parallel: 1.5 }, "'max_parallel' must be a whole number from 1 to 1000", 'max_parallel'],
    ['a string stream flag', { operations: [op('a', 'x')], stream: 'yes' }, "'stream' must be true or false", 'stream'],
  ])('refuses %s with BAD_REQUEST naming the field', (_name, body, message, field) => {
    const error = refusal(body);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain(message);
    if (field) expect(error.details).toEqual({ field });
  });
});

describe('running a bulk graph', () => {
  it('replaces {opN} with that response and leaves other braces alone', async () => {
    const { result } = await run({
      operations: [op('op1', 'first'), op('op2', 'got {op1} and {x} and {"k":1}', ['op1']), op('op3', '{op1}|{op2}', ['op1', 'op2'], 'athena')],
    });
    expect(result.status).toBe('completed');
    expect(result.results.op2!.response).toBe('[apollo] got [apollo] first and {x} and {"k":1}');
    expect(result.results.op3).toMatchObject({ status: 'success', ai: 'athena', response: '[athena] [apollo] first|[apollo] got [apollo] first and {x} and {"k":1}' });
    expect(result.request_id).toMatch(/^bulk_/);
  });

  it('fails an operation whose substituted message would pass the limit with PAYLOAD_TOO_LARGE, and skips its dependants', async () => {
    const result = await runBulk(service(), { operations: [op('a', 'x'.repeat(600)), op('b', '{a}{a}', ['a']), op('c', 'after {b}', ['b']), op('d', 'free')] }, undefined, undefined, {
      maxMessageBytes: 1000,
    });
    expect(result.results.a!.status).toBe('success');
    expect(result.results.b).toMatchObject({ status: 'error', error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('more than the limit of 1000 bytes') } });
    expect(result.results.c!.status).toBe('skipped');
    expect(result.results.d!.status).toBe('success');
    expect(result.status).toBe('partial');
  });

  it('counts the substituted size in UTF-8 bytes before building the message', () => {
    expect(() => substitute('{a}', new Map([['a', 'é'.repeat(6)]]), 11)).toThrow(/12 bytes/);
    expect(substitute('{a}', new Map([['a', 'é'.repeat(6)]]), 12)).toBe('é'.repeat(6));
  });

  it('keeps an operation called __proto__ or constructor in the results', async () => {
    const { result } = await run({ operations: [op('__proto__', 'one'), op('constructor', '{__proto__}', ['__proto__'])] });
    expect(Object.keys(result.results)).toEqual(['__proto__', 'constructor']);
    expect(JSON.parse(JSON.stringify(result)).results.__proto__).toMatchObject({ status: 'success', response: '[apollo] one' });
    expect(result.results.constructor).toMatchObject({ status: 'success', response: '[apollo] [apollo] one' });
  });

  it('does not re-expand placeholders that appear inside a response', () => {
    expect(substitute('{a} {b}', new Map([['a', '{b}'], ['b', 'B']]))).toBe('{b} B');
  });

  it('sums tokens and reports seconds as decimals', async () => {
    const { result } = await run({ operations: [op('a', 'one two'), op('b', 'three')] });
    const a = result.results.a!.tokens_used;
    const b = result.results.b!.tokens_used;
    expect(a.output).toBeGreaterThan(0);
    expect(result.total_tokens).toEqual({ input: a.input + b.input, output: a.output + b.output });
    expect(typeof result.execution_time).toBe('number');
    expect(result.execution_time).toBeLessThan(60);
  });

  it('runs independent operations concurrently: all start before any finishes', async () => {
    const { events } = await run({ operations: [op('a', 'x'), op('b', 'y'), op('c', 'z')] }, service('ttft_ms=50'));
    expect(order(events).slice(0, 3)).toEqual(['op.start:a', 'op.start:b', 'op.start:c']);
  });

  it('never runs more than max_parallel at once', async () => {
    const { events } = await run({ operations: [op('a', 'x'), op('b', 'y'), op('c', 'z')], max_parallel: 2 }, service('ttft_ms=30'));
    let running = 0;
    let most = 0;
    for (const event of events) {
      if (event.type === 'op.start') most = Math.max(most, ++running);
      if (event.type === 'op.done') running--;
    }
    expect(most).toBe(2);
  });

  it('sequential runs one at a time, in the order given, dependencies permitting', async () => {
    const { events, result } = await run(
      { operations: [op('a', 'x', ['c']), op('b', 'y'), op('c', 'z')], execution: 'sequential' },
      service('ttft_ms=5'),
    );
    expect(result.status).toBe('completed');
    expect(order(events)).toEqual(['op.start:b', 'op.done:b', 'op.start:c', 'op.done:c', 'op.start:a', 'op.done:a']);
  });

  it('a failed operation skips its dependants transitively; the others still run', async () => {
    const { result, events } = await run({
      operations: [op('bad', 'x', undefined, 'nobody'), op('child', '{bad}', ['bad']), op('grandchild', '{child}', ['child']), op('free', 'ok')],
    });
    expect(result.status).toBe('partial');
    expect(result.results.bad).toMatchObject({ status: 'error', ai: 'nobody', error: { code: 'SPECIALIST_NOT_FOUND' } });
    expect(result.results.child).toMatchObject({ status: 'skipped', execution_time: 0 });
    expect(result.results.grandchild!.status).toBe('skipped');
    expect(result.results.free).toMatchObject({ status: 'success', response: '[apollo] ok' });
    expect(order(events)).toEqual(expect.arrayContaining(['op.error:bad', 'op.skipped:child', 'op.skipped:grandchild', 'op.done:free']));
  });

  it('is failed when nothing succeeds', async () => {
    const { result } = await run({ operations: [op('a', 'x', undefined, 'nobody'), op('b', 'y', undefined, '@no-such-capability')] });
    expect(result.status).toBe('failed');
    expect(result.results.b).toMatchObject({ status: 'error', ai: '@no-such-capability', error: { code: 'NO_MATCH' } });
  });

  it('routes @capability to the best specialist and says which one answered', async () => {
    const { result, events } = await run({ operations: [op('plan', 'go', undefined, '@planning'), op('alias', 'hi', undefined, 'apollo-ai')] });
    expect(result.results.plan).toMatchObject({ status: 'success', ai: 'prometheus', response: '[prometheus] go' });
    expect(result.results.alias!.ai).toBe('apollo');
    expect(events).toContainEqual({ type: 'op.start', op_id: 'plan', ai: 'prometheus' });
  });

  it('the timeout cancels running and unstarted operations with TIMEOUT', async () => {
    const started = Date.now();
    const { result } = await run(
      { operations: [op('a', 'x'), op('b', 'y'), op('c', '{a}', ['a'])], timeout: 0.2, max_parallel: 1 },
      service('ttft_ms=5000'),
    );
    // Promptness, loosely: far below the 5 s the model would take.
    expect(Date.now() - started).toBeLessThan(4000);
    expect(result.status).toBe('failed');
    for (const id of ['a', 'b', 'c']) expect(result.results[id]).toMatchObject({ status: 'error', error: { code: 'TIMEOUT' } });
    // a was running (and says who was answering); b and c never started.
    expect(result.results.a).toMatchObject({ ai: 'apollo', execution_time: expect.any(Number) });
    expect(result.results.a!.execution_time).toBeGreaterThan(0);
    expect(result.results.c!.execution_time).toBe(0);
  });

  it("the caller's signal cancels everything", async () => {
    const controller = new AbortController();
    const pending = runBulk(service('ttft_ms=5000'), { operations: [op('a', 'x'), op('b', 'y', ['a'])] }, controller.signal);
    setTimeout(() => controller.abort(), 20);
    const result = await pending;
    expect(result.results.a!.error!.code).toBe('CANCELLED');
    expect(result.results.b!.error!.code).toBe('CANCELLED');
  });

  it('streams operation events, then done with the whole answer', async () => {
    const events: BulkEvent[] = [];
    for await (const event of streamBulk(service(), { operations: [op('a', 'x y'), op('b', '{a}', ['a'])] })) events.push(event);
    expect(events[0]).toEqual({ type: 'op.start', op_id: 'a', ai: 'apollo' });
    expect(events.filter((e) => e.type === 'op.content' && e.op_id === 'a').map((e) => (e as { data: string }).data).join('')).toBe('[apollo] x y');
    const last = events.at(-1)!;
    expect(last.type).toBe('done');
    expect(last.type === 'done' && last.result.results.b!.response).toBe('[apollo] [apollo] x y');
  });

  it('streamBulk refuses an invalid graph before it starts', () => {
    expect(() => streamBulk(service(), { operations: [op('a', 'x', ['a'])] })).toThrow(/dependency cycle/);
  });
});
