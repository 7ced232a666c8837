/**
 * Fault injection, hangs: a provider that never answers, or stops mid-answer,
 * ends with TIMEOUT (exit 5) from the first-token or idle limit, or from the
 * user's `--timeout`; the HTTP request to the provider is closed; nothing is
 * half-written; the server answers the next request normally.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAish, startServe, tempHome, type Served } from '../support/aish.js';
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

for (const mode of ['embedded', 'server'] as const) {
  describe(`hangs (${mode})`, () => {
    /** aish as the user runs it, embedded or against `aish serve` with the same config. */
    async function user(home: string): Promise<(line: string) => ReturnType<typeof runAish>> {
      if (mode === 'server') served = await startServe(home);
      const client = mode === 'server' ? tempHome() : home;
      const server = served ? ['--server', served.url] : [];
      return (line) => runAish([...server, '-c', line], { home: client, cwd: home });
    }

    it('no first byte within first_token_timeout: retried, then TIMEOUT, exit 5; each request closed', async () => {
      fake = await startScriptedProvider([{ kind: 'answer', pieces: ['warm'] }, { kind: 'hang' }, { kind: 'hang' }], { kind: 'answer', pieces: ['awake'] });
      const home = faultHome(fake.origin, { limits: { first_token_timeout: 0.5, max_attempts: 2 } });
      const aish = await user(home);
      writeFileSync(join(home, 'out.txt'), 'old content\n');
      // A first call loads the provider's code, so the limit measures only the provider.
      const result = await aish('apollo << "warm up" > warm.txt; apollo << "hi" > out.txt');
      expect(result.status).toBe(5);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^aish: apollo: openai did not start answering within 0\.5 s \(limits\.first_token_timeout\) \(after 2 attempts\)$/m);
      expect(fake.requests).toHaveLength(3);
      // The timeout aborted each HTTP request: the provider saw both connections close.
      await Promise.all(fake.requests.slice(1).map((request) => request.closed));
      expect(fileContent(join(home, 'out.txt'))).toBe('old content\n');
      const next = await aish('apollo << "again"');
      expect(next.stdout).toBe('awake\n');
      expect(next.status).toBe(0);
    });

    it('--timeout ends a hang with TIMEOUT, exit 5; the session keeps no partial exchange', async () => {
      fake = await startScriptedProvider([{ kind: 'answer', pieces: ['first answer'] }, { kind: 'hang' }], { kind: 'answer', pieces: ['later'] });
      const home = faultHome(fake.origin, { limits: { first_token_timeout: 60 } });
      const aish = await user(home);
      // One process: the first call loads the provider's code, so the 0.5 s are the provider's.
      const result = await aish('apollo --session keep << "one"; apollo --timeout 0.5 --session keep << "two"');
      expect(result.status).toBe(5);
      expect(result.stdout).toBe('first answer\n');
      expect(result.stderr).toMatch(/^aish: apollo: timed out after 0\.5 s$/m);
      expect(fake.requests).toHaveLength(2);
      await fake.requests[1]!.closed;
      expect(await sessionMessages(mode === 'server' ? tempHome() : home, 'keep', served?.url)).toEqual(['user: one', 'assistant: first answer']);
      expect((await aish('apollo << "three"')).stdout).toBe('later\n');
    });

    it('a provider that stops mid-answer: idle_timeout, the partial answer, exit 5', async () => {
      fake = await startScriptedProvider([{ kind: 'pieces-then', pieces: ['half ', 'an '], then: 'stall' }], { kind: 'answer', pieces: ['fine'] });
      const home = faultHome(fake.origin, { limits: { idle_timeout: 0.4 } });
      const aish = await user(home);
      const result = await aish('apollo << "hi"');
      expect(result.stdout).toBe('half an \n');
      expect(result.stderr).toMatch(/^aish: apollo: openai sent nothing for 0\.4 s mid-answer \(limits\.idle_timeout\); the answer is incomplete$/m);
      expect(result.status).toBe(5);
      expect(fake.requests).toHaveLength(1);
      await fake.requests[0]!.closed;
      expect((await aish('apollo << "hi"')).stdout).toBe('fine\n');
    });
  });
}
