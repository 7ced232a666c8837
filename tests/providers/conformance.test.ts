/**
 * One suite, every provider: the rules of the `LanguageModel` interface that
 * consumers rely on, checked against echo and against each adapter replaying
 * its recorded transcripts through a fake server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_TABLE } from '../../src/protocol/errors.js';
import { createModel, type LanguageModel, type ModelPart, type ModelRequest } from '../../src/providers/index.js';
import { collect, textOf } from './support/collect.js';
import { closedPort, startFakeProviderServer, type FakeProviderServer } from './support/fake-provider-server.js';
import { fixture, fixtureReply } from './support/fixtures.js';
import { providerCases } from './support/provider-cases.js';

/** A model ready to answer `request` with `expectedText`. */
interface Setup {
  model: LanguageModel;
  request: ModelRequest;
  expectedText: string;
}

/** A provider as the suite sees it: how to get a working model, and (where it can fail) a failing one. */
interface Subject {
  name: string;
  working(): Promise<Setup>;
  failing?: () => Promise<Omit<Setup, 'expectedText'>>;
}

let servers: FakeProviderServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

async function serve(file: string): Promise<string> {
  const server = await startFakeProviderServer(fixtureReply(file));
  servers.push(server);
  return server.origin;
}

const echoRequest: ModelRequest = { system: 'Be brief.', messages: [{ role: 'user', content: 'list  every\nfile' }], caller: 'apollo' };

const subjects: Subject[] = [
  {
    name: 'echo',
    working: async () => ({ model: createModel('echo')!, request: echoRequest, expectedText: '[apollo] list  every\nfile' }),
  },
  ...providerCases.map(
    (provider): Subject => ({
      name: provider.name,
      working: async () => ({ model: provider.model(await serve(provider.streamFixture)), request: provider.request, expectedText: fixture(provider.streamFixture).expectedText! }),
      failing: async () => ({ model: provider.model(await serve(provider.midstreamErrorFixture)), request: provider.request }),
    }),
  ),
];

function isTerminal(part: ModelPart): boolean {
  return part.type === 'finish' || part.type === 'error';
}

describe.each(subjects)('the $name model keeps the LanguageModel contract', (subject) => {
  it('a stream ends with exactly one finish or error part, and it is the last part', async () => {
    const { model, request } = await subject.working();
    const parts = await collect(model, request);
    expect(parts.filter(isTerminal)).toHaveLength(1);
    expect(isTerminal(parts.at(-1)!)).toBe(true);
  });

  it('text parts join to the expected text, and none is empty', async () => {
    const { model, request, expectedText } = await subject.working();
    const parts = await collect(model, request);
    expect(textOf(parts)).toBe(expectedText);
    expect(parts.filter((part) => part.type === 'text-delta' && part.text === '')).toEqual([]);
  });

  it('there is at most one usage part, of whole non-negative counts, right before the finish', async () => {
    const { model, request } = await subject.working();
    const parts = await collect(model, request);
    const usage = parts.filter((part) => part.type === 'usage');
    expect(usage.length).toBeLessThanOrEqual(1);
    if (usage[0]?.type === 'usage') {
      expect(parts.at(-2)).toBe(usage[0]);
      for (const count of [usage[0].input, usage[0].output]) expect(Number.isInteger(count) && count >= 0).toBe(true);
    }
  });

  it('every part is one of the four kinds', async () => {
    const { model, request } = await subject.working();
    for (const part of await collect(model, request)) expect(['text-delta', 'usage', 'finish', 'error']).toContain(part.type);
  });

  it('the same request twice gives the same parts', async () => {
    const { model, request } = await subject.working();
    expect(await collect(model, request)).toEqual(await collect(model, request));
  });

  it('a signal aborted before the call gives no parts at all', async () => {
    const { model, request } = await subject.working();
    const controller = new AbortController();
    controller.abort();
    expect(await collect(model, request, controller.signal)).toEqual([]);
  });

  it('leaving the loop after the first part is not a failure', async () => {
    const { model, request } = await subject.working();
    let seen = 0;
    for await (const part of model.stream(request, new AbortController().signal)) {
      expect(part.type).toBe('text-delta');
      seen++;
      break;
    }
    expect(seen).toBe(1);
  });

  // The echo model cannot fail, so only the HTTP providers get these.
  if (subject.failing) {
    it('a failure is one error part with a protocol code and the provider’s message, and it ends the stream', async () => {
      const { model, request } = await subject.failing!();
      const parts = await collect(model, request);
      const errors = parts.filter((part) => part.type === 'error');
      expect(errors).toHaveLength(1);
      expect(parts.at(-1)).toBe(errors[0]);
      expect(parts.filter((part) => part.type === 'finish')).toEqual([]);
      const error = errors[0]!;
      if (error.type !== 'error') throw new Error('unreachable');
      expect(Object.keys(ERROR_TABLE)).toContain(error.code);
      expect(error.message).toMatch(/^provider .+ \(.+\): .+/);
    });

    it('an unreachable server is one PROVIDER_UNAVAILABLE part', async () => {
      const port = await closedPort();
      const provider = providerCases.find((candidate) => candidate.name === subject.name)!;
      const model = provider.model(`http://127.0.0.1:${port}`);
      expect(await collect(model, provider.request)).toEqual([expect.objectContaining({ type: 'error', code: 'PROVIDER_UNAVAILABLE', retryable: true })]);
    });
  }
});
