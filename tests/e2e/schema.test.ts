/**
 * Typed answers from the real CLI: `--schema` / `--schema-multi` with the echo
 * model, and a scripted fake provider whose answers do not match.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeProviderServer, type FakeProviderServer } from '../providers/support/fake-provider-server.js';
import { fixtureReply } from '../providers/support/fixtures.js';
import { aishC, homeWithConfig, runAish, tempHome } from '../support/aish.js';

let fake: FakeProviderServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** An OpenAI chat stream whose whole text is `text`. */
function openAiStream(text: string): Buffer {
  const chunk = (delta: object, finish: string | null): string =>
    `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  return Buffer.from(chunk({ role: 'assistant', content: text }, null) + chunk({}, 'stop') + 'data: [DONE]\n\n');
}

describe('--schema with the echo model', () => {
  it('echo "Ada Lovelace, born 1815" | apollo --schema \'name, born int\' | jq -r .name prints the name', async () => {
    const result = await aishC("apollo --schema 'name, born int' | jq -r .name", { stdin: 'Ada Lovelace, born 1815\n' });
    expect(result.stdout).toBe('Ada Lovelace, born 1815\n');
    expect(result.status).toBe(0);
  });

  it('prints the value as compact JSON on one line', async () => {
    const result = await aishC("apollo --schema 'name, born int, alive bool, score float' << 'Ada'");
    expect(result.stdout).toBe('{"name":"Ada","born":0,"alive":false,"score":0}\n');
  });

  it('--schema-multi prints one JSON value per line', async () => {
    const result = await aishC("apollo --schema-multi 'name, born int' << 'Ada' | wc -l");
    expect(result.stdout.trim()).toBe('1');
    const direct = await aishC("apollo --schema-multi 'name' << 'Ada'");
    expect(direct.stdout).toBe('{"name":"Ada"}\n');
  });

  it('reads a JSON Schema from a .json file, draft-07 or 2020-12', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'person.json'), JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { email: { type: 'string', format: 'email' } }, required: ['email'] }));
    const result = await aishC('apollo --schema person.json << "x"', { home });
    expect(result.stdout).toBe('{"email":"user@example.com"}\n');
    expect(result.status).toBe(0);
  });

  it('a missing schema file stops the pipeline before any stage runs and keeps > file', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'out.txt'), 'old\n');
    const result = await aishC('echo ran > ran.txt | apollo --schema nope.json << "x" > out.txt', { home });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('aish: apollo: nope.json: cannot read the schema file: no such file');
    expect(readFileSync(join(home, 'out.txt'), 'utf8')).toBe('old\n');
    expect(() => readFileSync(join(home, 'ran.txt'))).toThrow();
  });

  it('a schema that is not an object (an array here) is answered and printed as that value', async () => {
    const result = await aishC(`apollo --schema '{"type":"array","items":{"type":"string"},"minItems":2}' << 'Ada'`);
    expect(result.stdout).toBe('["Ada",""]\n');
    expect(result.status).toBe(0);
  });

  it('--schema-multi keeps the $refs of a schema with $defs working', async () => {
    const schema = JSON.stringify({ type: 'object', $defs: { year: { type: 'integer', minimum: 1800 } }, properties: { name: { type: 'string' }, born: { $ref: '#/$defs/year' } }, required: ['name', 'born'] });
    const result = await aishC(`apollo --schema-multi '${schema}' << 'Ada'`);
    expect(result.stdout).toBe('{"name":"Ada","born":1800}\n');
  });

  it('--json results carry data beside content', async () => {
    const result = await aishC("apollo --json --schema 'name' << 'Ada'");
    const parsed = JSON.parse(result.stdout);
    expect(parsed).toMatchObject({ content: '{"name":"Ada"}', data: { name: 'Ada' }, specialist_id: 'apollo' });
  });

  it('every branch of a fan-out answers its JSON line, in order, without headers', async () => {
    const result = await aishC("apollo,athena --schema 'name' << 'Ada' | jq -c .");
    expect(result.stdout).toBe('{"name":"Ada"}\n{"name":"Ada"}\n');
  });

  it('an @capability stage takes --schema too', async () => {
    const result = await aishC("@code-analysis --schema 'name' << 'Ada'");
    expect(result.stdout).toBe('{"name":"Ada"}\n');
  });

  it('a schema that is not valid JSON Schema is a clear error', async () => {
    const result = await aishC(`apollo --schema '{"type":"nonsense"}' << 'x'`);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^aish: apollo: the schema is not a valid JSON Schema/m);
    expect(result.stdout).toBe('');
  });
});

describe('--dry-run shows a typed stage', () => {
  it('prints the schema each stage asks for, and whether it is a list', async () => {
    const result = await runAish(['--dry-run', '-c', "apollo --schema-multi 'name, born int' << 'x' | athena --schema 'title'"]);
    const [first, second] = result.stdout.split('\n').filter((line) => /^ +\d+\. /.test(line));
    expect(first).toContain('; schema (multi: a list, one JSON value per line): {"type":"object","properties":{"name":{"type":"string"},"born":{"type":"integer"}},"required":["name","born"],"additionalProperties":false}');
    expect(second).toContain('; schema: {"type":"object","properties":{"title":{"type":"string"}}');
    expect(result.status).toBe(0);
  });

  it('--dry-run --json gives each typed stage a schema field', async () => {
    const result = await runAish(['--dry-run', '--json', '-c', "@code-analysis --schema 'name' << 'x'"]);
    const stage = JSON.parse(result.stdout).pipelines[0].stages[0];
    expect(stage.schema).toEqual({ multi: false, schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false } });
  });
});

describe("--schema with each provider's recorded transcript", () => {
  const providers = [
    { name: 'openai', file: 'openai-chat-schema-stream.sse', model: 'openai/gpt-4o-mini', config: (origin: string) => `openai: { api_key: sk-test, base_url: "${origin}/v1" }`, asked: (body: any) => body.response_format.json_schema.schema },
    { name: 'anthropic', file: 'anthropic-messages-schema-stream.sse', model: 'anthropic/claude-sonnet-4-5', config: (origin: string) => `anthropic: { api_key: sk-ant-test, base_url: "${origin}" }`, asked: (body: any) => body.tools[0].input_schema },
    { name: 'ollama', file: 'ollama-chat-schema-stream.ndjson', model: 'ollama/llama3.1', config: (origin: string) => `ollama: { base_url: "${origin}" }`, asked: (body: any) => body.format },
  ];
  for (const provider of providers) {
    it(`echo "Ada Lovelace, born 1815" | apollo --schema 'name, born int' | jq -r .name works with ${provider.name}`, async () => {
      fake = await startFakeProviderServer(fixtureReply(provider.file), 'bytes');
      const home = homeWithConfig(`providers:\n  ${provider.config(fake.origin)}\ndefault_model: ${provider.model}\n`);
      const result = await aishC("apollo --schema 'name, born int' | jq -r .name", { home, stdin: 'Ada Lovelace, born 1815\n' });
      expect(result.stdout).toBe('Ada Lovelace — née Byron\n');
      expect(result.status).toBe(0);
      expect(provider.asked(JSON.parse(fake.requests[0]!.body))).toMatchObject({ type: 'object', required: ['name', 'born'] });
    });
  }
});

describe('--schema with a provider whose answer does not match', () => {
  it('asks once more with the errors, then exits 6 with JSON Pointer paths, nothing on stdout and > file kept', async () => {
    fake = await startFakeProviderServer(() => ({ status: 200, headers: [['content-type', 'text/event-stream']], body: openAiStream('{"name":"Ada","born":"1815"}') }));
    const home = homeWithConfig(`providers:\n  openai: { api_key: sk-test, base_url: "${fake.origin}/v1" }\ndefault_model: openai/gpt-4o-mini\n`);
    writeFileSync(join(home, 'out.json'), 'old\n');
    const result = await aishC("echo 'Ada Lovelace, born 1815' | apollo --schema 'name, born int' > out.json", { home });
    expect(result.status).toBe(6);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('aish: apollo: the answer does not match the schema: /born: must be integer');
    expect(readFileSync(join(home, 'out.json'), 'utf8')).toBe('old\n');
    expect(fake.requests).toHaveLength(2);
    const repair = JSON.parse(fake.requests[1]!.body) as { messages: { role: string; content: string }[] };
    expect(repair.messages.at(-2)).toEqual({ role: 'assistant', content: '{"name":"Ada","born":"1815"}' });
    expect(repair.messages.at(-1)!.content).toContain('/born: must be integer');
  });

  it('a repaired answer is printed', async () => {
    const answers = ['not json at all', '{"name":"Ada","born":1815}'];
    fake = await startFakeProviderServer(() => ({ status: 200, headers: [['content-type', 'text/event-stream']], body: openAiStream(answers.shift()!) }));
    const home = homeWithConfig(`providers:\n  openai: { api_key: sk-test, base_url: "${fake.origin}/v1" }\ndefault_model: openai/gpt-4o-mini\n`);
    const result = await aishC("apollo --schema 'name, born int' << 'Ada'", { home });
    expect(result.stdout).toBe('{"name":"Ada","born":1815}\n');
    expect(result.status).toBe(0);
    expect(fake.requests).toHaveLength(2);
  });
});
