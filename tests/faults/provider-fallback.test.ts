/**
 * Fault injection, availability: a failing specialist's `fallback` answers
 * and the shell says who did (one notice on stderr); the circuit breaker
 * shows in `ais`, makes calls fail fast (exit 2) and is skipped by
 * `@capability` routing; embedded and through `aish serve`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runAish, startServe, tempHome, type Served } from '../support/aish.js';
import { faultHome } from './support/fault-home.js';
import { startScriptedProvider, type ScriptedProvider } from './support/scripted-provider.js';

let fake: ScriptedProvider | undefined;
let served: Served | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
  await fake?.close();
  fake = undefined;
});

const ECHO_NOTE = /^aish: note: answers come from the offline echo model/m;

/** Specialists of the tests: apollo on the fake provider, athena on echo as its fallback; hermes and sophia for @code. */
const ROSTER = `builtin_roster: false
specialists:
  apollo:
    model: openai/fake
    fallback: [athena]
    capabilities: { primary: [code], scores: { code: 0.9 } }
  athena:
    model: echo
  solo:
    model: openai/fake
    capabilities: { scores: { code: 0.95 } }
  hermes:
    model: echo
    capabilities: { scores: { code: 0.8 } }
`;

for (const mode of ['embedded', 'server'] as const) {
  describe(`fallback and breaker (${mode})`, () => {
    async function user(home: string): Promise<(line: string) => ReturnType<typeof runAish>> {
      if (mode === 'server') served = await startServe(home);
      const client = mode === 'server' ? tempHome() : home;
      return (line) => runAish([...(served ? ['--server', served.url] : []), '-c', line], { home: client });
    }

    it('apollo fails before its first token: athena answers, and stderr says so once', async () => {
      fake = await startScriptedProvider([], { kind: 'status', status: 503 });
      const aish = await user(faultHome(fake.origin, { extra: ROSTER }));
      const result = await aish('apollo << "hi"');
      expect(result.stdout).toBe('[athena] hi\n');
      expect(result.status).toBe(0);
      expect(result.stderr.match(/^aish: apollo is unavailable; athena answered$/gm)).toHaveLength(1);
      expect(result.stderr).toMatch(ECHO_NOTE);
      expect(fake.requests).toHaveLength(3);
    });

    it('--json says who answered', async () => {
      fake = await startScriptedProvider([], { kind: 'status', status: 500 });
      const aish = await user(faultHome(fake.origin, { extra: ROSTER, limits: { max_attempts: 1 } }));
      const result = await aish('apollo --json << "hi"');
      expect(JSON.parse(result.stdout)).toMatchObject({ content: '[athena] hi', specialist_id: 'athena', model: 'echo' });
      expect(result.status).toBe(0);
    });

    it('the breaker opens after breaker_threshold failures: ais shows it, the next call fails fast with exit 2', async () => {
      fake = await startScriptedProvider([], { kind: 'status', status: 500 });
      const aish = await user(faultHome(fake.origin, { extra: ROSTER, limits: { max_attempts: 1, breaker_threshold: 2 } }));
      // One process for the embedded service (its breakers live as long as it does); the server keeps them across clients.
      const result = await aish('solo << "a"; ais; solo << "b"; ais; solo << "c"');
      expect(result.stdout).toMatch(/^solo\s+degraded\s+openai\/fake/m);
      expect(result.stdout).toMatch(/^solo\s+unavailable\s+openai\/fake/m);
      expect(result.stderr).toMatch(/^aish: solo: solo is unavailable: its last 2 calls failed; aish tries it again in \d+ s$/m);
      expect(result.status).toBe(2);
      expect(fake.requests).toHaveLength(2);
    });

    it('@code skips an unavailable specialist; the one chosen failing, its own fallback answers', async () => {
      fake = await startScriptedProvider([], { kind: 'status', status: 500 });
      const aish = await user(faultHome(fake.origin, { extra: ROSTER, limits: { max_attempts: 1, breaker_threshold: 1 } }));
      const result = await aish('solo << "a"; @code << "b"');
      expect(result.stderr).toMatch(/^→ apollo \(code 0\.9\)$/m);
      expect(result.stderr).toMatch(/^aish: apollo is unavailable; athena answered$/m);
      expect(result.stdout).toBe('[athena] b\n');
      expect(result.status).toBe(0);
    });
  });
}
