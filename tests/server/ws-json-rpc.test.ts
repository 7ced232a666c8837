/**
 * Every example of the JSON-RPC 2.0 specification's "Examples" section
 * (https://www.jsonrpc.org/specification#examples), sent over `/ws/ai/apollo`
 * with this server's methods in place of `subtract`, `sum`, `update` …, and
 * each answer checked exactly (a batch's answers in any order).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoPieces } from '../../src/providers/echo.js';
import { connect, startWsServer, type RecordingClient, type WsTestServer } from '../support/ws-rpc.js';

let server: WsTestServer;
let client: RecordingClient;

beforeAll(async () => {
  server = await startWsServer();
  client = await connect(server.wsUrl('apollo'));
});

afterAll(async () => {
  client.close();
  await server.close(100);
});

const METHODS = "no method 'foobar' (methods: chat, stream, cancel, ping, subscribe, unsubscribe, session.create, session.get, session.end, session.renew)";

function words(text: string): number {
  return echoPieces(text).filter((piece) => piece.trim() !== '').length;
}

/** The exact `chat` result for a message to apollo on the echo model. */
function chatResult(message: string): unknown {
  const system = server.service.specialist('apollo').system;
  return {
    content: `[apollo] ${message}`,
    specialist_id: 'apollo',
    model: 'echo',
    tokens_used: { input: words(system) + words(message), output: 1 + echoPieces(message).length },
    finish_reason: 'stop',
  };
}

function invalidRequest(id: unknown, explanation: string): unknown {
  return { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request', data: { code: 'BAD_REQUEST', message: explanation } }, id };
}

const NOT_AN_OBJECT = 'a request must be a JSON object';

function parseError(text: string): unknown {
  let explanation = '';
  try {
    JSON.parse(text);
  } catch (error) {
    explanation = `malformed JSON: ${(error as Error).message}`;
  }
  return { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error', data: { code: 'BAD_REQUEST', message: explanation } }, id: null };
}

const POSITIONAL = { code: 'BAD_REQUEST', message: "'params' must be an object: every method takes named parameters" };

/** Sends notifications, then a request: the first answer must be the request's (notifications get none). */
async function expectSilence(...notifications: string[]): Promise<void> {
  const from = client.frames.length;
  for (const notification of notifications) client.send(notification);
  // A chat takes longer to answer than any of the notifications before it.
  const answer = await client.exchange('{"jsonrpc":"2.0","method":"chat","params":{"message":"after"},"id":"after"}');
  expect(answer).toEqual({ jsonrpc: '2.0', result: chatResult('after'), id: 'after' });
  expect(client.frames.slice(from)).toEqual([answer]);
}

describe('the JSON-RPC 2.0 specification examples over /ws/ai/{id}', () => {
  it('rpc call with positional parameters: this server takes named parameters only, so -32602 with the id', async () => {
    expect(await client.exchange('{"jsonrpc": "2.0", "method": "chat", "params": [42, 23], "id": 1}')).toEqual({
      jsonrpc: '2.0',
      error: { code: -32602, message: 'Invalid params', data: POSITIONAL },
      id: 1,
    });
    expect(await client.exchange('{"jsonrpc": "2.0", "method": "chat", "params": [23, 42], "id": 2}')).toEqual({
      jsonrpc: '2.0',
      error: { code: -32602, message: 'Invalid params', data: POSITIONAL },
      id: 2,
    });
  });

  it('rpc call with named parameters: the same answer whatever the order of the names', async () => {
    expect(await client.exchange('{"jsonrpc": "2.0", "method": "chat", "params": {"message": "42 23", "temperature": 0.5}, "id": 3}')).toEqual({
      jsonrpc: '2.0',
      result: chatResult('42 23'),
      id: 3,
    });
    expect(await client.exchange('{"jsonrpc": "2.0", "method": "chat", "params": {"temperature": 0.5, "message": "42 23"}, "id": 4}')).toEqual({
      jsonrpc: '2.0',
      result: chatResult('42 23'),
      id: 4,
    });
  });

  it('a notification gets no answer, even for bad params or a method that does not exist', async () => {
    await expectSilence('{"jsonrpc": "2.0", "method": "chat", "params": [1,2,3,4,5]}', '{"jsonrpc": "2.0", "method": "foobar"}');
  });

  it('rpc call of a non-existent method: -32601 with the id', async () => {
    expect(await client.exchange('{"jsonrpc": "2.0", "method": "foobar", "id": "1"}')).toEqual({
      jsonrpc: '2.0',
      error: { code: -32601, message: 'Method not found', data: { code: 'NOT_FOUND', message: METHODS } },
      id: '1',
    });
  });

  it('rpc call with invalid JSON: -32700 with id null', async () => {
    const text = '{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]';
    expect(await client.exchange(text)).toEqual(parseError(text));
  });

  it('rpc call with an invalid Request object: -32600 with id null', async () => {
    expect(await client.exchange('{"jsonrpc": "2.0", "method": 1, "params": "bar"}')).toEqual(invalidRequest(null, "'method' must be a string"));
  });

  it('rpc call Batch, invalid JSON: one -32700 with id null', async () => {
    const text = '[\n  {"jsonrpc": "2.0", "method": "chat", "params": {"message": "1 2 4"}, "id": "1"},\n  {"jsonrpc": "2.0", "method"\n]';
    expect(await client.exchange(text)).toEqual(parseError(text));
  });

  it('rpc call with an empty Array: one -32600 with id null, not an array', async () => {
    expect(await client.exchange('[]')).toEqual(invalidRequest(null, 'an empty batch'));
  });

  it('rpc call with an invalid Batch (but not empty): an array of one -32600', async () => {
    expect(await client.exchange('[1]')).toEqual([invalidRequest(null, NOT_AN_OBJECT)]);
  });

  it('rpc call with an invalid Batch: one -32600 per element', async () => {
    expect(await client.exchange('[1,2,3]')).toEqual([1, 2, 3].map(() => invalidRequest(null, NOT_AN_OBJECT)));
  });

  it('rpc call Batch: results, errors and no answer for the notification, in any order', async () => {
    const answer = await client.exchange(`[
      {"jsonrpc": "2.0", "method": "chat", "params": {"message": "1 2 4"}, "id": "1"},
      {"jsonrpc": "2.0", "method": "chat", "params": {"message": "7"}},
      {"jsonrpc": "2.0", "method": "chat", "params": {"message": "42 23"}, "id": "2"},
      {"foo": "boo"},
      {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
      {"jsonrpc": "2.0", "method": "ping", "id": "9"}
    ]`);
    expect(Array.isArray(answer)).toBe(true);
    expect(answer).toHaveLength(5);
    expect(answer).toEqual(
      expect.arrayContaining([
        { jsonrpc: '2.0', result: chatResult('1 2 4'), id: '1' },
        { jsonrpc: '2.0', result: chatResult('42 23'), id: '2' },
        invalidRequest(null, "'jsonrpc' must be \"2.0\""),
        { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found', data: { code: 'NOT_FOUND', message: METHODS.replace("'foobar'", "'foo.get'") } }, id: '5' },
        { jsonrpc: '2.0', result: 'pong', id: '9' },
      ]),
    );
  });

  it('rpc call Batch (all notifications): nothing is sent back', async () => {
    await expectSilence('[\n  {"jsonrpc": "2.0", "method": "ping", "params": {}},\n  {"jsonrpc": "2.0", "method": "chat", "params": {"message": "7"}}\n]');
  });
});

describe('ids and params', () => {
  it('echoes the id whatever its JSON type: string, number, fraction, null', async () => {
    for (const id of ['abc', 7, 0, -3, 1.5, null, '']) {
      expect(await client.exchange(JSON.stringify({ jsonrpc: '2.0', method: 'ping', id }))).toEqual({ jsonrpc: '2.0', result: 'pong', id });
    }
  });

  it('an id that is an object, an array or a boolean makes the request invalid (id null)', async () => {
    for (const id of [{}, [1], true]) {
      expect(await client.exchange(JSON.stringify({ jsonrpc: '2.0', method: 'ping', id }))).toEqual(invalidRequest(null, "'id' must be a string, a number or null"));
    }
  });

  it('params that are neither object nor array make the request invalid; a valid id is still echoed', async () => {
    for (const params of ['bar', 3, true, null]) {
      expect(await client.exchange(JSON.stringify({ jsonrpc: '2.0', method: 'ping', params, id: 11 }))).toEqual(
        invalidRequest(11, "'params' must be an object or an array"),
      );
    }
  });

  it('a request without "jsonrpc": "2.0" is invalid', async () => {
    expect(await client.exchange('{"jsonrpc": "1.0", "method": "ping", "id": 12}')).toEqual(invalidRequest(12, "'jsonrpc' must be \"2.0\""));
    expect(await client.exchange('{"method": "ping", "id": 13}')).toEqual(invalidRequest(13, "'jsonrpc' must be \"2.0\""));
  });

  it('a frame that is JSON but not an object or array is an invalid request', async () => {
    expect(await client.exchange('"ping"')).toEqual(invalidRequest(null, NOT_AN_OBJECT));
    expect(await client.exchange('null')).toEqual(invalidRequest(null, NOT_AN_OBJECT));
  });

  it('a bad field names itself in data (-32602)', async () => {
    expect(await client.exchange('{"jsonrpc":"2.0","method":"chat","params":{"message":""},"id":14}')).toEqual({
      jsonrpc: '2.0',
      error: { code: -32602, message: 'Invalid params', data: { code: 'BAD_REQUEST', message: "'message' must be a non-empty string", details: { field: 'message' } } },
      id: 14,
    });
    expect(await client.exchange('{"jsonrpc":"2.0","method":"chat","params":{"message":"x","temperature":9},"id":15}')).toEqual({
      jsonrpc: '2.0',
      error: { code: -32602, message: 'Invalid params', data: { code: 'BAD_REQUEST', message: "'temperature' must be a number from 0 to 2", details: { field: 'temperature' } } },
      id: 15,
    });
  });
});
