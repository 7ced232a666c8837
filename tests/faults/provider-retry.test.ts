/**
 * Fault injection, retries: a provider that rate-limits or fails before its
 * first token is asked again (with backoff, honouring Retry-After), and the
 * user sees only the answer, embedded and through `aish serve`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { aishC, runAish, startServe, tempHome, type Served } from '../support/aish.js';
import { faultHome, fileContent, sessionMessages } from './support/fault-home.js';
import { startScriptedProvider, type ScriptedProvider } from './support/scripted-provider.js';

let fake: ScriptedProvider | undefined;
let served: Served | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
  await fake?.close();
  fake = undefined;
});

/** Runs `line` embedded, or through `aish serve` with the same config when `server` is set. */
async function run(line: string, home: string, server: Served | undefined, extra: string[] = []) {
  return server ? runAish(['--server', server.url, ...extra, '-c', line], { home }) : runAish([...extra, '-c', line], { home });
}

for (const mode of ['embedded', 'server'] as const) {
  describe(`retries before the first token (${mode})`, () => {
    async function setUp(home: string): Promise<Served | undefined> {
      if (mode === 'server') served = await startServe(home);
      return served;
    }

    it('429 with Retry-After (seconds) then success: the answer, nothing on stderr, exit 0', async () => {
      fake = await startScriptedProvider([{ kind: 'status', status: 429, headers: { 'retry-after': '1' }, message: 'Rate limit reached' }, { kind: 'answer', pieces: ['Hello', ' there'] }]);
      const home = faultHome(fake.origin);
      const server = await setUp(home);
      const result = await run('apollo << "hi"', home, server);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('Hello there\n');
      expect(result.status).toBe(0);
      expect(fake.requests).toHaveLength(2);
    });

    it('429 with Retry-After as an HTTP date then success', async () => {
      fake = await startScriptedProvider([
        { kind: 'status', status: 429, headers: { 'retry-after': new Date(Date.now() + 1000).toUTCString() } },
        { kind: 'answer', pieces: ['dated'] },
      ]);
      const home = faultHome(fake.origin);
      const result = await run('apollo << "hi"', home, await setUp(home));
      expect(result.stdout).toBe('dated\n');
      expect(result.status).toBe(0);
      expect(fake.requests).toHaveLength(2);
    });

    it('500 twice then success: the answer whole, once, and the file written', async () => {
      fake = await startScriptedProvider([{ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'answer', pieces: ['third ', 'time ', 'lucky'] }]);
      const home = faultHome(fake.origin);
      const result = await run('apollo << "hi" > out.txt', home, await setUp(home));
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(fileContent(join(home, 'out.txt'))).toBe('third time lucky\n');
      expect(fake.requests).toHaveLength(3);
    });

    it('500 on every attempt: one clear error after max_attempts, exit 1, old file and session untouched', async () => {
      fake = await startScriptedProvider([{ kind: 'answer', pieces: ['first answer'] }], { kind: 'status', status: 500, message: 'boom' });
      const home = faultHome(fake.origin, { limits: { max_attempts: 2 } });
      const server = await setUp(home);
      const client = server ? tempHome() : home;
      expect((await run('apollo --session keep << "one"', client, server)).status).toBe(0);
      writeFileSync(join(client, 'out.txt'), 'old content\n');
      const result = await run('apollo --session keep << "two" > out.txt', client, server);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^aish: apollo: provider returned an error \(openai, 500\): boom \(after 2 attempts\)$/m);
      expect(fileContent(join(client, 'out.txt'))).toBe('old content\n');
      expect(await sessionMessages(client, 'keep', server?.url)).toEqual(['user: one', 'assistant: first answer']);
      expect(fake.requests).toHaveLength(3);
    });

    it('a Retry-After that would outlast --timeout is a timeout at once: exit 5, one request', async () => {
      fake = await startScriptedProvider([{ kind: 'status', status: 429, headers: { 'retry-after': '120' } }, { kind: 'answer', pieces: ['too late'] }]);
      const home = faultHome(fake.origin, { limits: { retry_max_delay: 300 } });
      const result = await run('apollo << "hi"', home, await setUp(home), ['--timeout', '20']);
      expect(result.status).toBe(5);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^aish: apollo: provider is rate limiting requests \(openai, 429, retry after 120 s\).*would outlast the 20 s timeout$/m);
      expect(fake.requests).toHaveLength(1);
    });

    it('a Retry-After longer than retry_max_delay is reported, not waited out: exit 2', async () => {
      fake = await startScriptedProvider([{ kind: 'status', status: 503, headers: { 'retry-after': '3600' } }]);
      const home = faultHome(fake.origin);
      const result = await run('apollo << "hi"', home, await setUp(home));
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^aish: apollo: provider is overloaded \(openai, 503, retry after 3600 s\)/m);
      expect(fake.requests).toHaveLength(1);
    });

    it('a rejected API key is not retried: exit 1, one request', async () => {
      fake = await startScriptedProvider([{ kind: 'status', status: 401, message: 'Incorrect API key provided' }]);
      const home = faultHome(fake.origin);
      const result = await run('apollo << "hi"', home, await setUp(home));
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^aish: apollo: provider rejected the API key \(openai, 401\): Incorrect API key provided$/m);
      expect(fake.requests).toHaveLength(1);
    });
  });
}

describe('the server after provider faults', () => {
  it('answers the next request normally', async () => {
    fake = await startScriptedProvider([{ kind: 'status', status: 500 }, { kind: 'status', status: 500 }], { kind: 'answer', pieces: ['back'] });
    const home = faultHome(fake.origin, { limits: { max_attempts: 1 } });
    served = await startServe(home);
    const client = tempHome();
    expect((await runAish(['--server', served.url, '-c', 'apollo << "a"'], { home: client })).status).toBe(1);
    expect((await runAish(['--server', served.url, '-c', 'apollo << "b"'], { home: client })).status).toBe(1);
    const next = await runAish(['--server', served.url, '-c', 'apollo << "c"'], { home: client });
    expect(next.stdout).toBe('back\n');
    expect(next.status).toBe(0);
    const health = await fetch(`${served.url}/health`);
    expect(health.status).toBe(200);
  });
});

describe('embedded retries are bounded', () => {
  it('max_attempts: 1 never retries', async () => {
    fake = await startScriptedProvider([{ kind: 'status', status: 529, reason: '' }, { kind: 'answer', pieces: ['unused'] }]);
    const home = faultHome(fake.origin, { limits: { max_attempts: 1 } });
    const result = await aishC('apollo << "hi"', { home });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^aish: apollo: provider is overloaded \(openai, 529\)/m);
    expect(fake.requests).toHaveLength(1);
  });
});
