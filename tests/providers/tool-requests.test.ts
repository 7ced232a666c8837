/**
 * What each adapter sends when tools are offered and a conversation carries
 * tool calls and their results: every provider's own shape, checked against
 * its documented format (OpenAI `tools` and `tool` messages, Anthropic
 * `tool_use` / `tool_result` blocks, Ollama `tool_calls` and `tool_name`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createModel, type ModelRequest, type ResponseFormat } from '../../src/providers/index.js';
import { toolInputSchema } from '../../src/providers/tool-schema.js';
import { collect } from './support/collect.js';
import { startFakeProviderServer, type FakeProviderServer } from './support/fake-provider-server.js';

let server: FakeProviderServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const readFile = { name: 'files__read_text_file', description: 'Read a file as text', inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } };
const listDirectory = { name: 'files__list_directory', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } };

/** The two tools in the function format OpenAI and Ollama share. */
const functionTools = [
  { type: 'function', function: { name: 'files__read_text_file', description: 'Read a file as text', parameters: readFile.inputSchema } },
  { type: 'function', function: { name: 'files__list_directory', parameters: listDirectory.inputSchema } },
];

/** A whole tool round: the question, the calls (one with bad JSON), their results (one failed), and a follow-up. */
const conversation: ModelRequest = {
  system: 'Be brief.',
  caller: 'apollo',
  tools: [readFile, listDirectory],
  messages: [
    { role: 'user', content: 'What is in README.md?' },
    {
      role: 'assistant',
      content: '',
      toolCalls: [
        { id: 'call_a', name: 'files__read_text_file', arguments: '{"path":"README.md"}' },
        { id: 'call_b', name: 'files__list_directory', arguments: '{"path":' },
      ],
    },
    {
      role: 'user',
      content: '',
      toolResults: [
        { callId: 'call_a', name: 'files__read_text_file', content: '# aish' },
        { callId: 'call_b', name: 'files__list_directory', content: 'the arguments are not valid JSON', isError: true },
      ],
    },
  ],
};

async function sentBody(provider: 'openai' | 'anthropic' | 'ollama', request: ModelRequest): Promise<Record<string, unknown>> {
  await server?.close();
  server = await startFakeProviderServer({ status: 500, headers: [], body: Buffer.alloc(0) });
  const models = {
    openai: () => createModel('openai/gpt-4o-mini', { openai: { api_key: 'sk-test', base_url: `${server!.origin}/v1` } })!,
    anthropic: () => createModel('anthropic/claude-sonnet-4-5', { anthropic: { api_key: 'sk-ant-test', base_url: server!.origin } })!,
    ollama: () => createModel('ollama/llama3.1', { ollama: { base_url: server!.origin } })!,
  };
  await collect(models[provider](), { ...request, stream: false });
  return JSON.parse(server.requests[0]!.body) as Record<string, unknown>;
}

describe('openai: tools and tool messages', () => {
  it('offers function tools, sends the calls on the assistant message and each result as a tool message', async () => {
    expect(await sentBody('openai', conversation)).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is in README.md?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'files__read_text_file', arguments: '{"path":"README.md"}' } },
            { id: 'call_b', type: 'function', function: { name: 'files__list_directory', arguments: '{"path":' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: '# aish' },
        { role: 'tool', tool_call_id: 'call_b', content: 'the arguments are not valid JSON' },
      ],
      tools: functionTools,
    });
  });

  it('sends tools and response_format together: the model either calls tools or answers in the schema', async () => {
    const format: ResponseFormat = { name: 'answer', schema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'], additionalProperties: false }, multi: false };
    const body = await sentBody('openai', { ...conversation, responseFormat: format });
    expect(body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'answer', schema: format.schema, strict: true } });
    expect(body.tools).toHaveLength(2);
  });

  it('offers no tools when there are none', async () => {
    expect(await sentBody('openai', { ...conversation, tools: [] })).not.toHaveProperty('tools');
  });
});

describe('anthropic: tools, tool_use and tool_result blocks', () => {
  it('offers tools with input_schema, the calls as tool_use blocks, the results as tool_result blocks of one user message', async () => {
    expect(await sentBody('anthropic', conversation)).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'What is in README.md?' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_a', name: 'files__read_text_file', input: { path: 'README.md' } },
            // Arguments that are not a JSON object go back as {}: the API takes only an object (the error result says what was wrong).
            { type: 'tool_use', id: 'call_b', name: 'files__list_directory', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_a', content: '# aish' },
            { type: 'tool_result', tool_use_id: 'call_b', content: 'the arguments are not valid JSON', is_error: true },
          ],
        },
      ],
      tools: [
        { name: 'files__read_text_file', description: 'Read a file as text', input_schema: readFile.inputSchema },
        { name: 'files__list_directory', input_schema: listDirectory.inputSchema },
      ],
    });
  });

  it('keeps the text of a turn: before the calls, after the results', async () => {
    const body = await sentBody('anthropic', {
      ...conversation,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Let me look.', toolCalls: [{ id: 'toolu_1', name: 'files__read_text_file', arguments: '{"path":"a"}' }] },
        { role: 'user', content: 'Be quick.', toolResults: [{ callId: 'toolu_1', name: 'files__read_text_file', content: '' }] },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', id: 'toolu_1', name: 'files__read_text_file', input: { path: 'a' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1' }, { type: 'text', text: 'Be quick.' }] },
    ]);
  });

  it('with a schema and tools, adds the answer tool and asks for any tool (each turn calls tools or gives the answer)', async () => {
    const format: ResponseFormat = { name: 'answer', schema: { type: 'object', properties: { title: { type: 'string' } } }, multi: false };
    const body = await sentBody('anthropic', { ...conversation, responseFormat: format });
    expect(body.tool_choice).toEqual({ type: 'any' });
    expect((body.tools as { name: string }[]).map((tool) => tool.name)).toEqual(['files__read_text_file', 'files__list_directory', 'answer']);
  });

  it('with a schema and no tools, forces the answer tool as before', async () => {
    const format: ResponseFormat = { name: 'answer', schema: { type: 'object' }, multi: false };
    const body = await sentBody('anthropic', { messages: [{ role: 'user', content: 'hi' }], caller: 'apollo', responseFormat: format });
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'answer' });
    expect(body.tools).toEqual([{ name: 'answer', description: 'Give the answer as this tool call’s input, matching its schema.', input_schema: { type: 'object' } }]);
  });
});

describe('ollama: tools, tool_calls and tool messages', () => {
  it('offers function tools, sends the calls with object arguments and each result as a tool message named by its tool', async () => {
    expect(await sentBody('ollama', conversation)).toEqual({
      model: 'llama3.1',
      stream: false,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is in README.md?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { type: 'function', function: { index: 0, name: 'files__read_text_file', arguments: { path: 'README.md' } } },
            { type: 'function', function: { index: 1, name: 'files__list_directory', arguments: {} } },
          ],
        },
        { role: 'tool', tool_name: 'files__read_text_file', content: '# aish' },
        { role: 'tool', tool_name: 'files__list_directory', content: 'the arguments are not valid JSON' },
      ],
      tools: functionTools,
    });
  });

  it('leaves format out when tools are offered (its grammar would stop the model calling them), keeps it otherwise', async () => {
    const format: ResponseFormat = { name: 'answer', schema: { type: 'object' }, multi: false };
    expect(await sentBody('ollama', { ...conversation, responseFormat: format })).not.toHaveProperty('format');
    expect((await sentBody('ollama', { ...conversation, tools: [], responseFormat: format })).format).toEqual({ type: 'object' });
  });
});

describe('tool input schemas as the providers take them', () => {
  it('passes an object schema through unchanged', () => {
    expect(toolInputSchema(readFile.inputSchema)).toBe(readFile.inputSchema);
  });

  it('leaves out $schema (an MCP server’s draft-07 dialect)', () => {
    expect(toolInputSchema({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { a: { type: 'string' } } })).toEqual({ type: 'object', properties: { a: { type: 'string' } } });
  });

  it('folds a top-level oneOf into one object schema (Anthropic refuses combinators at the top; OpenAI wants type object)', () => {
    const schema = { oneOf: [{ type: 'object', properties: { url: { type: 'string' } }, required: ['url'] }, { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] }] };
    expect(toolInputSchema(schema)).toEqual({ type: 'object', properties: { url: { type: 'string' }, path: { type: 'string' } } });
  });

  it('is what every adapter offers', async () => {
    const odd = { name: 'web__fetch', inputSchema: { anyOf: [{ properties: { url: { type: 'string' } } }] } };
    const folded = { type: 'object', properties: { url: { type: 'string' } } };
    const request: ModelRequest = { messages: [{ role: 'user', content: 'hi' }], caller: 'apollo', tools: [odd] };
    expect(((await sentBody('openai', request)).tools as { function: { parameters: unknown } }[])[0]!.function.parameters).toEqual(folded);
    expect(((await sentBody('anthropic', request)).tools as { input_schema: unknown }[])[0]!.input_schema).toEqual(folded);
    expect(((await sentBody('ollama', request)).tools as { function: { parameters: unknown } }[])[0]!.function.parameters).toEqual(folded);
  });
});
