import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chooseAutoModel, loadConfig, probeOllama, type AishConfig } from '../../src/config/index.js';
import { tempHome } from './temp-home.js';

function config(overrides: Partial<AishConfig> = {}): AishConfig {
  return {
    file: undefined,
    providers: { anthropic: { base_url: 'https://api.anthropic.com' }, openai: { base_url: 'https://api.openai.com/v1' }, ollama: { base_url: 'http://127.0.0.1:11434' } },
    default_model: 'auto',
    specialists: [],
    server: {},
    limits: {},
    prices: {},
    render: 'auto',
    sessions: {},
    mcp: { allow_unix: false },
    budget: {},
    cache: {},
    mcp_servers: {},
    tools_confirm: false,
    ...overrides,
  };
}

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A local server answering with `handler`; its base URL. */
async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A fake Ollama serving `models` at /api/tags; records the paths asked for. */
async function fakeOllama(models: unknown, paths: string[] = []): Promise<string> {
  return serve((request, response) => {
    paths.push(`${request.method} ${request.url}`);
    if (request.url !== '/api/tags') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ models }));
  });
}

describe('chooseAutoModel', () => {
  it('returns a default_model other than auto as is, without probing', async () => {
    const probe = vi.fn();
    expect(await chooseAutoModel(config({ default_model: 'ollama/llama3.1' }), { probeOllama: probe })).toEqual({ model: 'ollama/llama3.1' });
    expect(await chooseAutoModel(config({ default_model: 'echo' }), { probeOllama: probe })).toEqual({ model: 'echo' });
    expect(probe).not.toHaveBeenCalled();
  });

  it('picks Anthropic first when its key is set', async () => {
    const probe = vi.fn();
    const providers = { anthropic: { api_key: 'sk-ant' }, openai: { api_key: 'sk-oai' } };
    expect(await chooseAutoModel(config({ providers }), { probeOllama: probe })).toEqual({ model: 'anthropic/claude-sonnet-4-5' });
    expect(probe).not.toHaveBeenCalled();
  });

  it('picks OpenAI when only its key is set', async () => {
    expect(await chooseAutoModel(config({ providers: { openai: { api_key: 'sk-oai' } } }), { probeOllama: vi.fn() })).toEqual({ model: 'openai/gpt-4o-mini' });
  });

  it('asks Ollama at its usual address with a 300 ms budget when no key is set', async () => {
    const probe = vi.fn(async () => 'qwen3:8b');
    const choice = await chooseAutoModel(config({ providers: { ollama: { base_url: 'http://127.0.0.1:11434' } } }), { probeOllama: probe });
    expect(choice).toEqual({ model: 'ollama/qwen3:8b' });
    expect(probe).toHaveBeenCalledWith('http://127.0.0.1:11434', 300);
  });

  it('gives an Ollama whose address the user named 5 s to answer', async () => {
    const probe = vi.fn(async () => 'qwen3:8b');
    const choice = await chooseAutoModel(config({ providers: { ollama: { base_url: 'http://gpu-box:11434' } } }), { probeOllama: probe });
    expect(choice).toEqual({ model: 'ollama/qwen3:8b' });
    expect(probe).toHaveBeenCalledWith('http://gpu-box:11434', 5000);
  });

  it('falls back to echo when no key is set and no Ollama answers', async () => {
    expect(await chooseAutoModel(config(), { probeOllama: async () => undefined })).toEqual({ model: 'echo' });
  });

  it('counts a key that loaded empty as not set', async () => {
    const home = await tempHome({ ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' });
    const choice = await chooseAutoModel(await loadConfig({ env: home.env }), { probeOllama: async () => undefined });
    expect(choice.model).toBe('echo');
  });

  it('finds a real local Ollama named by OLLAMA_HOST', async () => {
    const base = await fakeOllama([{ name: 'llama3.2:3b' }]);
    const home = await tempHome({ OLLAMA_HOST: base });
    expect(await chooseAutoModel(await loadConfig({ env: home.env }))).toEqual({ model: 'ollama/llama3.2:3b' });
  });
});

describe('the default Ollama probe', () => {
  it('asks GET /api/tags and answers the first model that can chat', async () => {
    const paths: string[] = [];
    const base = await fakeOllama([{ name: 'nomic-embed-text:latest' }, { name: 'llama3.1:8b' }, { name: 'qwen3:8b' }], paths);
    expect(await probeOllama(`${base}/`, 2000)).toBe('llama3.1:8b');
    expect(paths).toEqual(['GET /api/tags']);
  });

  it('answers undefined when Ollama has no models', async () => {
    expect(await probeOllama(await fakeOllama([]), 2000)).toBeUndefined();
  });

  it('answers undefined for an error status or a body that is not Ollama JSON', async () => {
    expect(await probeOllama(await serve((_request, response) => response.writeHead(500).end('{}')), 2000)).toBeUndefined();
    expect(await probeOllama(await serve((_request, response) => response.writeHead(200).end('<html>')), 2000)).toBeUndefined();
    expect(await probeOllama(await serve((_request, response) => response.writeHead(200).end('{"models": "x"}')), 2000)).toBeUndefined();
  });

  it('gives up after its timeout on a server that never answers', async () => {
    const base = await serve(() => {
      // Never answers; the probe's own timeout must end the wait.
    });
    expect(await probeOllama(base, 50)).toBeUndefined();
  });

  // A timeout of a minute inside a test that may take 5 s: only a refusal seen at once passes.
  it('answers undefined at once for a closed port, without waiting for its timeout', { timeout: 5000 }, async () => {
    const base = await serve(() => undefined);
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    expect(await probeOllama(base, 60_000)).toBeUndefined();
  });
});
