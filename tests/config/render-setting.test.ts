/** config.yaml's `render:` key: auto (the default), always or never, and nothing else. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { tempHome } from './temp-home.js';

describe('render: in config.yaml', () => {
  it('is auto when the file does not say', async () => {
    const home = await tempHome();
    await home.writeConfig(['default_model: echo']);
    expect((await loadConfig({ env: home.env })).render).toBe('auto');
  });

  it.each(['auto', 'always', 'never'] as const)('reads %s', async (value) => {
    const home = await tempHome();
    await home.writeConfig([`render: ${value}`]);
    expect((await loadConfig({ env: home.env })).render).toBe(value);
  });

  it('any other value is an error naming the file, the line and the choices', async () => {
    const home = await tempHome();
    await home.writeConfig(['default_model: echo', 'render: yes please']);
    const error = await loadConfig({ env: home.env }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe('~/.config/aish/config.yaml:2: render: expected auto, always or never, got "yes please"');
  });

  it('a non-string value is an error too', async () => {
    const home = await tempHome();
    await home.writeConfig(['render: true']);
    const error = await loadConfig({ env: home.env }).catch((thrown: unknown) => thrown);
    expect((error as ConfigError).message).toContain('render: expected a string');
  });
});
