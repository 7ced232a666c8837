/** The official `openai` package talks to the specialists through /v1. */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { startTestServer } from '../support/server.js';

let server: RunningServer;
let client: OpenAI;
beforeAll(async () => {
  server = await startTestServer();
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await server.close(100);
});

describe('the OpenAI-compatible view', () => {
  it('lists the specialists as models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('apollo');
  });

  it('answers a non-streamed completion', async () => {
    const completion = await client.chat.completions.create({
      model: 'apollo',
      messages: [
        { role: 'system', content: 'ignored: the specialist has its own' },
        { role: 'user', content: 'What is clean code?' },
      ],
    });
    expect(completion.choices[0]!.message.content).toBe('[apollo] What is clean code?');
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBe(5);
  });

  it('streams a completion, with usage when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'athena',
      messages: [{ role: 'user', content: 'stream me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: number | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage.completion_tokens;
    }
    expect(text).toBe('[athena] stream me');
    expect(finish).toBe('stop');
    expect(usage).toBe(3);
  });

  it('an unknown model is a 404 the client reports', async () => {
    await expect(client.chat.completions.create({ model: 'nobody', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 404 });
  });

  it('a request without messages is a 400', async () => {
    await expect(client.chat.completions.create({ model: 'apollo', messages: [] })).rejects.toMatchObject({ status: 400 });
  });
});
