/**
 * Typed answers against a real `aish serve`: the official `openai` package's
 * structured output through /v1, and `aish --server` printing what the
 * embedded run prints (exit 6 included).
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeProviderServer, type FakeProviderServer } from '../providers/support/fake-provider-server.js';
import { aishC, homeWithConfig, runAish, startServe, tempHome, type Served } from '../support/aish.js';

const SCHEMA = { type: 'object', properties: { name: { type: 'string' }, born: { type: 'integer' } }, required: ['name', 'born'], additionalProperties: false };

let served: Served | undefined;
let fake: FakeProviderServer | undefined;
afterEach(async () => {
  await served?.stop();
  await fake?.close();
  served = undefined;
  fake = undefined;
});

describe('typed answers from a real aish serve', () => {
  it("the openai package's chat.completions.parse with a json_schema response_format returns a parsed object", { timeout: 60_000 }, async () => {
    served = await startServe();
    const client = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const completion = await client.chat.completions.parse({
      model: 'apollo',
      messages: [{ role: 'user', content: 'Ada Lovelace' }],
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema: SCHEMA, strict: true } },
    });
    expect(completion.choices[0]!.message.parsed).toEqual({ name: 'Ada Lovelace', born: 0 });
  });

  it('a streamed completion with response_format streams the validated JSON', { timeout: 60_000 }, async () => {
    served = await startServe();
    const client = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const stream = client.chat.completions.stream({
      model: 'athena',
      messages: [{ role: 'user', content: 'Ada' }],
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema: SCHEMA } },
    });
    expect(JSON.parse((await stream.finalContent())!)).toEqual({ name: 'Ada', born: 0 });
  });

  it('aish --server prints what the embedded run prints', { timeout: 60_000 }, async () => {
    served = await startServe();
    const line = "apollo --schema-multi 'name, born int' | jq -c .";
    const remote = await runAish(['--server', served.url, '-q', '-c', line], { stdin: 'Ada\n' });
    const local = await aishC(line, { stdin: 'Ada\n', env: {} });
    expect(remote.stdout).toBe('{"name":"Ada","born":0}\n');
    expect(remote.stdout).toBe(local.stdout);
    expect(remote.status).toBe(0);
  });

  it('an answer the server cannot make match exits 6 at the client, with the server\'s words', { timeout: 60_000 }, async () => {
    const chunk = (delta: object, finish: string | null): string => `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    fake = await startFakeProviderServer(() => ({ status: 200, headers: [['content-type', 'text/event-stream']], body: Buffer.from(chunk({ content: '{"name":7}' }, null) + chunk({}, 'stop') + 'data: [DONE]\n\n') }));
    served = await startServe(homeWithConfig(`providers:\n  openai: { api_key: sk-test, base_url: "${fake.origin}/v1" }\ndefault_model: openai/gpt-4o-mini\n`));
    const result = await runAish(['--server', served.url, '-c', "apollo --schema 'name, born int' << 'Ada'"], { home: tempHome() });
    expect(result.status).toBe(6);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("aish: apollo: the answer does not match the schema: /: must have required property 'born'; /name: must be string");
  });
});
