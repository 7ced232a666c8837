/**
 * One descriptor per provider: config loading, `auto`, limits, prices,
 * model references and model creation all follow the protocol's table, so a
 * provider added there is known everywhere (docs/contributing.md).
 */
import { describe, expect, it } from 'vitest';
import { AUTO_MODELS, chooseAutoModel, loadConfig, modelReferenceProblem, priceOf } from '../../src/config/index.js';
import { PROVIDER_DEFAULT_LIMITS, createModel } from '../../src/providers/index.js';
import { ECHO_NOTICE } from '../../src/exec/index.js';
import { PROVIDERS, type ProviderDescriptor, type StreamEvent } from '../../src/protocol/index.js';
import { SpecialistService } from '../../src/service/index.js';
import { builtinRoster } from '../../src/config/index.js';

const table = PROVIDERS as readonly ProviderDescriptor[];

describe('the provider table', () => {
  for (const provider of table) {
    it(`${provider.id}: config loading fills in its base URL and key, and its limits and prices follow its descriptor`, async () => {
      const env: Record<string, string> = { HOME: '/nonexistent-home', XDG_CONFIG_HOME: '/nonexistent-home/.config' };
      if (provider.keyVariable) env[provider.keyVariable] = 'k-test';
      const config = await loadConfig({ env });
      expect(config.providers[provider.id as keyof typeof config.providers]).toMatchObject({
        base_url: provider.defaultBaseUrl,
        ...(provider.keyVariable && { api_key: 'k-test' }),
      });
      expect(PROVIDER_DEFAULT_LIMITS[provider.id]).toEqual(provider.limits);
      if (provider.free) expect(priceOf(`${provider.id}/any-model`)).toEqual({ input: 0, output: 0 });
      expect(modelReferenceProblem(`${provider.id}/some-model`)).toBeUndefined();
      expect(createModel(`${provider.id}/some-model`)?.reference).toBe(`${provider.id}/some-model`);
      if (provider.autoModel) {
        expect(AUTO_MODELS[provider.id]).toBe(provider.autoModel);
        const chosen = await chooseAutoModel({ ...config, providers: { [provider.id]: { api_key: 'k', base_url: provider.defaultBaseUrl } } }, { probeOllama: async () => undefined });
        expect(chosen.model).toBe(provider.autoModel);
      }
    });
  }

  it('the echo notice names every key variable and every keyless provider, so it says how to get a real model', () => {
    for (const provider of table) expect(ECHO_NOTICE).toContain(provider.keyVariable ?? `run ${provider.name}`);
    expect(ECHO_NOTICE).toContain('~/.config/aish/config.yaml');
  });

  it('an unknown model is refused with a message naming every provider', async () => {
    const service = new SpecialistService({ roster: builtinRoster(), defaultModel: 'echo' });
    const answer = async (): Promise<StreamEvent[]> => {
      const events: StreamEvent[] = [];
      for await (const event of service.stream('apollo', { content: 'x', model: 'nosuch' })) events.push(event);
      return events;
    };
    const refusal = await answer().then(() => undefined, (error: Error) => error.message);
    for (const provider of table) expect(refusal).toContain(provider.id);
  });

  it('a name outside the table is no provider', () => {
    expect(modelReferenceProblem('mistral/large')).toContain('unknown provider "mistral"');
    expect(createModel('mistral/large')).toBeUndefined();
  });
});
