/**
 * Config mistakes are never silent: a config file named on purpose must exist,
 * and a provider whose API key comes from an unset variable says so, by name,
 * when a call uses it (instead of sending no key).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureReply } from '../providers/support/fixtures.js';
import { startFakeProviderServer, type FakeProviderServer } from '../providers/support/fake-provider-server.js';
import { aishC, homeWithConfig } from '../support/aish.js';

let fake: FakeProviderServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('config mistakes', () => {
  it('a config file named by AISH_CONFIG that does not exist is an error (exit 1), not the echo model', async () => {
    const result = await aishC('echo hi | apollo', { env: { AISH_CONFIG: '/nonexistent.yaml' } });
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('aish: /nonexistent.yaml: cannot read the config file named by AISH_CONFIG: no such file\n');
    expect(result.status).toBe(1);
  });

  it('an api_key from an unset variable is named when the provider is used, and nothing is sent', async () => {
    fake = await startFakeProviderServer(fixtureReply('openai-chat-stream.sse'), 'bytes');
    const home = homeWithConfig(`providers:\n  openai: { api_key: "\${NOPE_KEY}", base_url: "${fake.origin}/v1" }\ndefault_model: openai/gpt-4o-mini\n`);
    const result = await aishC('echo hi | apollo', { home });
    expect(result.stderr).toBe('aish: apollo: openai: api_key comes from ${NOPE_KEY}, which is not set\n');
    expect(result.status).toBe(1);
    expect(fake.requests).toHaveLength(0);
    // Set, the same config works.
    const set = await aishC('echo hi | apollo', { home, env: { NOPE_KEY: 'sk-test' } });
    expect(set.status).toBe(0);
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-test');
  });

  it('an unused provider with an unset key variable is no error', async () => {
    const home = homeWithConfig('providers:\n  anthropic: { api_key: "${NOPE_KEY}" }\ndefault_model: echo\n');
    const result = await aishC('echo hi | apollo', { home });
    expect(result.stdout).toBe('[apollo] hi\n');
    expect(result.status).toBe(0);
  });
});
