/**
 * The tool loop on its own and in the service, with a tool host of the test's own
 * (no MCP server): what is offered, how names map back, parallel calls, errors and
 * refusals as results, the round limit, the result cap, and the events a client sees.
 */
import { describe, expect, it } from 'vitest';
import { builtinRoster } from '../../src/config/index.js';
import { AishError, collectAnswer, type StreamEvent } from '../../src/protocol/index.js';
import { createModel, type LanguageModel, type ModelRequest } from '../../src/providers/index.js';
import { SpecialistService, ToolBox, TOOL_RESULT_LIMIT, type ToolHost } from '../../src/service/index.js';
import { offeredName } from '../../src/service/tool-loop.js';
import type { McpTool } from '../../src/mcp/client.js';
import { connect, startWsServer } from '../support/ws-rpc.js';

const TOOLS: McpTool[] = [
  { server: 'files', name: 'read_text_file', inputSchema: { type: 'object' } },
  { server: 'files', name: 'write_file', inputSchema: { type: 'object' } },
  { server: 'web', name: 'fetch.page', inputSchema: { type: 'object' } },
];

/** A host whose tools answer `NAME(ARGS)` after `delayMs`, recording how many run at once. */
function host(options: { delayMs?: number; answer?: (tool: string, args: Record<string, unknown>) => string; dies?: boolean } = {}): ToolHost & { running: number; most: number; calls: string[] } {
  const state = {
    running: 0,
    most: 0,
    calls: [] as string[],
    has: (server: string) => server === 'files' || server === 'web',
    tools: async (server: string) => TOOLS.filter((tool) => tool.server === server),
    call: async (server: string, tool: string, args: Record<string, unknown>) => {
      state.calls.push(`${server}.${tool}`);
      state.running++;
      state.most = Math.max(state.most, state.running);
      await new Promise((done) => setTimeout(done, options.delayMs ?? 5));
      state.running--;
      if (options.dies) throw new AishError('TOOL_SERVER_FAILED', `mcp server ${server} exited (status 1): gone`);
      return { text: options.answer ? options.answer(tool, args) : `${tool}(${JSON.stringify(args)})`, isError: false };
    },
  };
  return state;
}

const limits = { maxRounds: 10, timeoutMs: 1000 };

/** A part or a tool event, read field by field. */
type Part = { type: string } & Record<string, unknown>;

async function run(box: ToolBox, message: string, model: LanguageModel = createModel('echo')!): Promise<Part[]> {
  const parts: Part[] = [];
  const request: ModelRequest = { messages: [{ role: 'user', content: message }], caller: 'apollo' };
  for await (const part of box.answer(model, request, 'apollo', new AbortController().signal)) parts.push(part as Part);
  return parts;
}

const textOf = (parts: Part[]): string => parts.flatMap((part) => (part.type === 'text-delta' ? [part.text as string] : [])).join('');

describe('the tool loop', () => {
  it('offers only the allowed tools, as SERVER__TOOL names that map back exactly', async () => {
    const box = (await ToolBox.open(host(), ['files.read_text_file', 'web.*'], undefined, { widen: false, limits }))!;
    expect(box.definitions.map((tool) => tool.name)).toEqual(['files__read_text_file', 'web__fetch__page']);
    expect(offeredName('web', 'fetch.page')).toBe('web__fetch__page');
    const parts = await run(box, 'CALL web.fetch.page {"url":"x"}');
    expect(parts.find((part) => part.type === 'tool.start')).toMatchObject({ name: 'web.fetch.page', arguments: '{"url":"x"}' });
    expect(textOf(parts)).toBe('[apollo] fetch.page({"url":"x"})\n');
  });

  it('offers nothing without a list, with --no-tools, or when the request narrows to nothing allowed', async () => {
    expect(await ToolBox.open(host(), undefined, undefined, { widen: false, limits })).toBeUndefined();
    expect(await ToolBox.open(host(), ['files.*'], [], { widen: true, limits })).toBeUndefined();
    expect(await ToolBox.open(host(), ['files.read_text_file'], ['files.write_file'], { widen: false, limits })).toBeUndefined();
    // Narrowing keeps what both allow; widening (the user's own lines) takes the request's list.
    const narrowed = await ToolBox.open(host(), ['files.*'], ['files.write_file', 'web.*'], { widen: false, limits });
    expect(narrowed!.definitions.map((tool) => tool.name)).toEqual(['files__write_file']);
    const widened = await ToolBox.open(host(), ['files.read_text_file'], ['web.*'], { widen: true, limits });
    expect(widened!.definitions.map((tool) => tool.name)).toEqual(['web__fetch__page']);
  });

  it('runs the calls of one round in parallel, and returns their results in the calls\' order', async () => {
    const tools = host({ delayMs: 50 });
    const box = (await ToolBox.open(tools, ['files.*'], undefined, { widen: false, limits }))!;
    const parts = await run(box, 'CALL files.read_text_file {"path":"a"}\nCALL files.write_file {"path":"b"}\nCALL files.read_text_file {"path":"c"}');
    expect(tools.most).toBe(3);
    expect(textOf(parts)).toBe('[apollo] read_text_file({"path":"a"})\nwrite_file({"path":"b"})\nread_text_file({"path":"c"})\n');
    expect(parts.filter((part) => part.type === 'tool.start')).toHaveLength(3);
    expect(parts.filter((part) => part.type === 'tool.done').map((part) => part.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('refuses a tool it did not offer and reports arguments that are not a JSON object, as results', async () => {
    const tools = host();
    const box = (await ToolBox.open(tools, ['files.read_text_file'], undefined, { widen: false, limits }))!;
    const parts = await run(box, 'CALL files.write_file {}\nCALL files.read_text_file {oops\nCALL files.read_text_file [1]');
    expect(tools.calls).toEqual([]);
    expect(textOf(parts)).toMatch(/^\[apollo\] tool files\.write_file is not allowed for apollo\nthe arguments are not valid JSON: .*\nthe arguments must be a JSON object\n$/);
    expect(parts.filter((part) => part.type === 'tool.done').map((part) => part.status)).toEqual(['refused', 'error', 'error']);
  });

  it('puts a line break between text written before a round of calls and the text after it', async () => {
    let round = 0;
    const model: LanguageModel = {
      reference: 'scripted',
      async *stream() {
        round++;
        if (round === 1) {
          yield { type: 'text-delta', text: 'Let me read it.' };
          yield { type: 'tool-call', id: 'call_1', name: 'files__read_text_file', arguments: '{}' };
          yield { type: 'finish', reason: 'tool_calls' };
        } else {
          yield { type: 'text-delta', text: 'It says hi.' };
          yield { type: 'finish', reason: 'stop' };
        }
      },
    };
    const box = (await ToolBox.open(host(), ['files.*'], undefined, { widen: false, limits }))!;
    expect(textOf(await run(box, 'read it', model))).toBe('Let me read it.\nIt says hi.');
  });

  it('asks the confirm hook one call at a time; a no is a refused result', async () => {
    const asked: string[] = [];
    const confirm = async (call: { name: string; arguments: string }): Promise<boolean> => {
      asked.push(call.arguments);
      return call.arguments.includes('yes');
    };
    const tools = host();
    const box = (await ToolBox.open(tools, ['files.*'], undefined, { widen: false, limits, confirm }))!;
    const parts = await run(box, 'CALL files.read_text_file {"p":"yes"}\nCALL files.write_file {"p":"no"}');
    expect(asked).toEqual(['{"p":"yes"}', '{"p":"no"}']);
    expect(tools.calls).toEqual(['files.read_text_file']);
    expect(textOf(parts)).toBe('[apollo] read_text_file({"p":"yes"})\nthe user refused to run files.write_file\n');
  });

  it('cuts a result over 1 MiB with a note to the model', async () => {
    const box = (await ToolBox.open(host({ answer: () => 'é'.repeat(TOOL_RESULT_LIMIT) }), ['files.*'], undefined, { widen: false, limits }))!;
    const parts = await run(box, 'CALL files.read_text_file {}');
    const done = parts.find((part) => part.type === 'tool.done')!;
    expect(done.bytes as number).toBeLessThanOrEqual(TOOL_RESULT_LIMIT + 100);
    expect(textOf(parts)).toContain(`[aish: the result was cut at 1 MiB of ${2 * TOOL_RESULT_LIMIT} bytes]`);
  });

  it('stops after max_tool_rounds: one request for tools too many is an error part', async () => {
    // A model that asks for a tool every time it is asked.
    const greedy: LanguageModel = {
      reference: 'greedy',
      async *stream() {
        yield { type: 'tool-call', id: 'c', name: 'files__read_text_file', arguments: '{}' };
        yield { type: 'finish', reason: 'tool_calls' };
      },
    };
    const tools = host();
    const box = (await ToolBox.open(tools, ['files.*'], undefined, { widen: false, limits: { maxRounds: 3, timeoutMs: 1000 } }))!;
    const parts = await run(box, 'anything', greedy);
    expect(tools.calls).toHaveLength(3);
    expect(parts.at(-1)).toEqual({ type: 'error', code: 'TOOL_ROUNDS_EXCEEDED', message: 'stopped after 3 tool rounds' });
  });

  it('ends the answer with the error of a server that died', async () => {
    const box = (await ToolBox.open(host({ dies: true }), ['files.*'], undefined, { widen: false, limits }))!;
    const parts = await run(box, 'CALL files.read_text_file {}');
    expect(parts.at(-1)).toEqual({ type: 'error', code: 'TOOL_SERVER_FAILED', message: 'mcp server files exited (status 1): gone' });
  });
});

describe('the service with tools', () => {
  function service(tools = host()): SpecialistService {
    const roster = builtinRoster().map((specialist) => (specialist.id === 'apollo' ? { ...specialist, tools: ['files.*'] } : specialist));
    return new SpecialistService({ roster, defaultModel: 'echo', tools });
  }

  it('streams tool.start and tool.done between start and the answer, and keeps no cache entry', async () => {
    const events: StreamEvent[] = [];
    for await (const event of service().stream('apollo', { content: 'CALL files.read_text_file {"path":"a"}' })) events.push(event);
    expect(events.map((event) => event.type)).toEqual(['start', 'tool.start', 'tool.done', 'content', 'content', 'done']);
    expect(events[1]).toEqual({ type: 'tool.start', specialist_id: 'apollo', call_id: 'call_1', name: 'files.read_text_file', arguments: '{"path":"a"}' });
    expect(events[2]).toMatchObject({ type: 'tool.done', specialist_id: 'apollo', name: 'files.read_text_file', status: 'ok' });
  });

  it('sends stream.tool_start and stream.tool_done notifications over WebSocket', async () => {
    const server = await startWsServer({ service: service() });
    try {
      const client = await connect(server.wsUrl('apollo'));
      const response = await client.exchange(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'stream', params: { message: 'CALL files.write_file {"path":"b"}' } }));
      expect(response.result.content).toBe('[apollo] write_file({"path":"b"})\n');
      const methods = client.frames.map((frame) => (frame as { method?: string }).method).filter(Boolean);
      expect(methods).toEqual(['stream.start', 'stream.tool_start', 'stream.tool_done', 'stream.chunk', 'stream.chunk', 'stream.complete']);
      const toolStart = client.frames.find((frame) => (frame as { method?: string }).method === 'stream.tool_start') as { params: unknown };
      expect(toolStart.params).toEqual({ request_id: 7, specialist_id: 'apollo', call_id: 'call_1', name: 'files.write_file', arguments: '{"path":"b"}' });
      client.socket.close();
    } finally {
      await server.close();
    }
  });

  it('a server\'s client can only narrow the tools: a pattern outside the specialist\'s list offers nothing', async () => {
    const { content } = await collectAnswer(service().stream('apollo', { content: 'CALL web.fetch.page {}', tools: ['web.*'] }));
    expect(content).toBe('[apollo] CALL web.fetch.page {}');
  });
});
