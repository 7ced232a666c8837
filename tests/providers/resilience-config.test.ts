/**
 * `limits:` in config.yaml: read at the top level and per provider, checked
 * with file, line and key, and layered over the built-in defaults.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { resolveLimits } from '../../src/providers/index.js';
import { tempHome } from '../config/temp-home.js';

const FILE = '~/.config/aish/config.yaml';

async function load(lines: string[]) {
  const home = await tempHome();
  await home.writeConfig(lines);
  return loadConfig({ env: home.env });
}

async function problem(lines: string[]): Promise<string> {
  const error = await load(lines).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).message;
}

describe('limits in config.yaml', () => {
  it('reads the top-level block and a provider block; the provider wins key by key', async () => {
    const config = await load([
      'limits:',
      '  first_token_timeout: 20',
      '  max_attempts: 4',
      '  breaker_cooldown: 0.5',
      'providers:',
      '  ollama:',
      '    limits: { first_token_timeout: 600, idle_timeout: 0 }',
    ]);
    expect(config.limits).toEqual({ first_token_timeout: 20, max_attempts: 4, breaker_cooldown: 0.5 });
    expect(config.providers.ollama?.limits).toEqual({ first_token_timeout: 600, idle_timeout: 0 });
    const ollama = resolveLimits('ollama', config.limits, config.providers.ollama?.limits);
    expect([ollama.firstTokenTimeoutMs, ollama.idleTimeoutMs, ollama.maxAttempts, ollama.breakerCooldownMs]).toEqual([600_000, 0, 4, 500]);
    const openai = resolveLimits('openai', config.limits, config.providers.openai?.limits);
    expect([openai.firstTokenTimeoutMs, openai.idleTimeoutMs, openai.connectTimeoutMs]).toEqual([20_000, 60_000, 10_000]);
  });

  it('without a limits block every provider gets the defaults', async () => {
    const config = await load(['default_model: echo']);
    expect(config.limits).toEqual({});
    expect(resolveLimits('anthropic', config.limits, config.providers.anthropic?.limits).maxAttempts).toBe(3);
  });

  it('a bad value names the file, line and key', async () => {
    expect(await problem(['limits:', '  max_attempts: 0'])).toBe(`${FILE}:2: limits.max_attempts: expected a whole number from 1 to 100, got 0`);
    expect(await problem(['limits:', '  idle_timeout: -1'])).toBe(`${FILE}:2: limits.idle_timeout: expected a number of seconds, 0 or more (0 = no limit), got -1`);
    expect(await problem(['providers:', '  openai:', '    limits: { retry_max_delay: soon }'])).toBe(
      `${FILE}:3: providers.openai.limits.retry_max_delay: expected a number of seconds, 0 or more, got "soon"`,
    );
  });

  it('an unknown key is refused with a suggestion', async () => {
    expect(await problem(['limits:', '  first_token_timout: 5'])).toContain(`${FILE}:2: limits.first_token_timout: unknown key (did you mean "first_token_timeout"?)`);
  });
});
