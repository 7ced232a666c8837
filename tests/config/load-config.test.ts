import { describe, expect, it } from 'vitest';
import { builtinRoster, loadConfig, ollamaHostUrl } from '../../src/config/index.js';
import { tempHome } from './temp-home.js';

/** The `providers:` block exactly as docs/cli.md documents it. */
const DOCUMENTED_PROVIDERS = [
  'providers:',
  '  anthropic: { api_key: ${ANTHROPIC_API_KEY} }',
  '  openai:    { api_key: ${OPENAI_API_KEY}, base_url: https://api.openai.com/v1 }',
  '  ollama:    { base_url: http://127.0.0.1:11434 }',
  'default_model: auto          # auto | echo | provider/model',
];

describe('loading without a config file', () => {
  it('gives the defaults and the built-in roster', async () => {
    const home = await tempHome();
    const config = await loadConfig({ env: home.env });
    expect(config).toEqual({
      file: undefined,
      providers: {
        anthropic: { base_url: 'https://api.anthropic.com' },
        openai: { base_url: 'https://api.openai.com/v1' },
        ollama: { base_url: 'http://127.0.0.1:11434' },
      },
      default_model: 'auto',
      specialists: builtinRoster(),
      server: {},
      prices: {},
      render: 'auto',
      limits: {},
      budget: {},
      cache: {},
      sessions: {},
      mcp: { allow_unix: false },
      mcp_servers: {},
      tools_confirm: false,
    });
  });

  it('still takes the API keys from the environment', async () => {
    const home = await tempHome({ ANTHROPIC_API_KEY: 'sk-ant', OPENAI_API_KEY: 'sk-oai' });
    const config = await loadConfig({ env: home.env });
    expect(config.providers.anthropic?.api_key).toBe('sk-ant');
    expect(config.providers.openai?.api_key).toBe('sk-oai');
  });

  it('counts an empty key in the environment as not set', async () => {
    const home = await tempHome({ ANTHROPIC_API_KEY: '' });
    expect((await loadConfig({ env: home.env })).providers.anthropic).toEqual({ base_url: 'https://api.anthropic.com' });
  });

  it('takes the config file from AISH_CONFIG and the folders from XDG_CONFIG_HOME', async () => {
    const home = await tempHome();
    const file = await home.write('elsewhere/aish.yaml', ['default_model: echo']);
    await home.write('xdg/aish/config.yaml', ['default_model: ollama/qwen3']);
    expect(await loadConfig({ env: { ...home.env, AISH_CONFIG: file } })).toMatchObject({ file, default_model: 'echo' });
    expect(await loadConfig({ env: { ...home.env, XDG_CONFIG_HOME: `${home.home}/xdg` } })).toMatchObject({ default_model: 'ollama/qwen3' });
  });

  it('reads an empty file as no settings', async () => {
    const home = await tempHome();
    await home.writeConfig('# nothing yet\n');
    expect(await loadConfig({ env: home.env })).toMatchObject({ file: home.configPath, default_model: 'auto', specialists: builtinRoster() });
  });
});

describe('providers', () => {
  it('reads the documented block, ${…} inside flow mappings included', async () => {
    const home = await tempHome({ ANTHROPIC_API_KEY: 'sk-ant', OPENAI_API_KEY: 'sk-oai' });
    await home.writeConfig(DOCUMENTED_PROVIDERS);
    expect((await loadConfig({ env: home.env })).providers).toEqual({
      anthropic: { api_key: 'sk-ant', base_url: 'https://api.anthropic.com' },
      openai: { api_key: 'sk-oai', base_url: 'https://api.openai.com/v1' },
      ollama: { base_url: 'http://127.0.0.1:11434' },
    });
  });

  it('takes a key from the environment for a provider the file does not list', async () => {
    const home = await tempHome({ ANTHROPIC_API_KEY: 'sk-ant', OPENAI_API_KEY: 'sk-oai' });
    await home.writeConfig(['providers:', '  openai: { base_url: http://localhost:8000/v1/ }']);
    const { providers } = await loadConfig({ env: home.env });
    expect(providers.anthropic?.api_key).toBe('sk-ant');
    // No api_key field: the documented default `${OPENAI_API_KEY}` stands in.
    expect(providers.openai).toEqual({ api_key: 'sk-oai', base_url: 'http://localhost:8000/v1' });
  });

  it('prefers a key written in the file to the environment', async () => {
    const home = await tempHome({ OPENAI_API_KEY: 'sk-env' });
    await home.writeConfig(['providers:', '  openai:', '    api_key: sk-file']);
    expect((await loadConfig({ env: home.env })).providers.openai?.api_key).toBe('sk-file');
  });

  it('counts a key that substitutes to nothing as not set (naming the unset variable), even when the default variable is set', async () => {
    const home = await tempHome({ ANTHROPIC_API_KEY: 'sk-ant' });
    await home.writeConfig(['providers:', '  anthropic: { api_key: ${MY_UNSET_KEY} }', '  openai:', '    api_key:']);
    const { providers } = await loadConfig({ env: home.env });
    expect(providers.anthropic).toEqual({ base_url: 'https://api.anthropic.com', api_key_unset: 'MY_UNSET_KEY' });
    expect(providers.openai).toEqual({ base_url: 'https://api.openai.com/v1' });
  });

  it('takes the Ollama base URL from OLLAMA_HOST when the file gives none', async () => {
    const home = await tempHome({ OLLAMA_HOST: 'gpu-box:11500' });
    expect((await loadConfig({ env: home.env })).providers.ollama).toEqual({ base_url: 'http://gpu-box:11500' });
    await home.writeConfig(['providers:', '  ollama: { base_url: http://127.0.0.1:9999 }']);
    expect((await loadConfig({ env: home.env })).providers.ollama).toEqual({ base_url: 'http://127.0.0.1:9999' });
  });

  it('reads OLLAMA_HOST the way Ollama does', () => {
    expect(ollamaHostUrl('127.0.0.1')).toBe('http://127.0.0.1:11434');
    expect(ollamaHostUrl('0.0.0.0')).toBe('http://127.0.0.1:11434');
    expect(ollamaHostUrl(':11500')).toBe('http://127.0.0.1:11500');
    expect(ollamaHostUrl('[::]:11434')).toBe('http://[::1]:11434');
    expect(ollamaHostUrl('http://gpu-box')).toBe('http://gpu-box');
    expect(ollamaHostUrl('https://ollama.example.com/')).toBe('https://ollama.example.com');
    expect(ollamaHostUrl('ftp://x')).toBeUndefined();
  });
});

describe('${NAME} in config.yaml', () => {
  it('is substituted in every string value, nested ones and list items included', async () => {
    const home = await tempHome({ MODEL: 'llama3.1', WHO: 'Apollo', ALIAS: 'coder' });
    await home.writeConfig([
      'default_model: ollama/${MODEL}',
      'specialists:',
      '  apollo:',
      '    system: "You are ${WHO}.${UNSET} Write $${HOME} literally."',
      '    aliases: [${ALIAS}, apollo-ai]',
    ]);
    const config = await loadConfig({ env: home.env });
    expect(config.default_model).toBe('ollama/llama3.1');
    const apollo = config.specialists.find((specialist) => specialist.id === 'apollo');
    expect(apollo?.system).toBe('You are Apollo. Write ${HOME} literally.');
    expect(apollo?.aliases).toEqual(['coder', 'apollo-ai']);
  });

  it('turns a variable into a number or a boolean where one is expected', async () => {
    const home = await tempHome({ AISH_PORT: '8080', BUILTIN: 'false' });
    await home.writeConfig(['server:', '  port: ${AISH_PORT}', '  max_streams: ${UNSET_STREAMS}', 'builtin_roster: ${BUILTIN}']);
    const config = await loadConfig({ env: home.env });
    expect(config.server).toEqual({ port: 8080 });
    expect(config.specialists).toEqual([]);
  });

  it('never substitutes in keys or comments', async () => {
    const home = await tempHome({ X: 'server' });
    await home.writeConfig(['# ${X} is ignored here', 'server: { host: 127.0.0.1 }']);
    expect((await loadConfig({ env: home.env })).server).toEqual({ host: '127.0.0.1' });
  });
});

describe('server settings', () => {
  it('are read with their types', async () => {
    const home = await tempHome({ AISH_TOKEN: 's3cret' });
    await home.writeConfig(['server:', '  host: 0.0.0.0', '  port: 8003', '  rate_limit: 0', '  max_streams: 8', '  max_body: 2097152', '  token: ${AISH_TOKEN}']);
    expect((await loadConfig({ env: home.env })).server).toEqual({ host: '0.0.0.0', port: 8003, rate_limit: 0, max_streams: 8, max_body: 2097152, token: 's3cret' });
  });

  it('read allowed_origins as lower-case origins, and name an entry that is not an origin', async () => {
    const home = await tempHome();
    await home.writeConfig(['server:', '  allowed_origins: [http://LocalHost:5173/, https://tools.example.com]']);
    expect((await loadConfig({ env: home.env })).server).toEqual({ allowed_origins: ['http://localhost:5173', 'https://tools.example.com'] });
    await home.writeConfig(['server:', '  allowed_origins: [https://tools.example.com/app]']);
    await expect(loadConfig({ env: home.env })).rejects.toThrow(/server\.allowed_origins\[0\].*expected an origin such as https:\/\/app\.example/);
  });

  it('count a token that substitutes to nothing as no token', async () => {
    const home = await tempHome();
    await home.writeConfig(['server:', '  token: ${AISH_TOKEN}']);
    expect((await loadConfig({ env: home.env })).server).toEqual({});
  });
});

describe('mcp_servers', () => {
  it('reads started and connected servers, with ${NAME} substituted in every string', async () => {
    const home = await tempHome({ DOCS_TOKEN: 's3cret', ROOT: '/srv/project' });
    await home.writeConfig([
      'mcp_servers:',
      '  files: { command: npx, args: [-y, "@modelcontextprotocol/server-filesystem", "${ROOT}"], env: { LOG: debug }, cwd: "${ROOT}" }',
      '  docs: { url: "http://127.0.0.1:9000/mcp", headers: { Authorization: "Bearer ${DOCS_TOKEN}" } }',
      'tools_confirm: true',
      'specialists:',
      '  apollo: { tools: [files.read_text_file, docs.*] }',
    ]);
    const config = await loadConfig({ env: home.env });
    expect(config.mcp_servers).toEqual({
      files: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/project'], env: { LOG: 'debug' }, cwd: '/srv/project' },
      docs: { url: 'http://127.0.0.1:9000/mcp', headers: { Authorization: 'Bearer s3cret' } },
    });
    expect(config.tools_confirm).toBe(true);
    expect(config.specialists.find((specialist) => specialist.id === 'apollo')!.tools).toEqual(['files.read_text_file', 'docs.*']);
  });
});
