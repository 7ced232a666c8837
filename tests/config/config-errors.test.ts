import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { tempHome } from './temp-home.js';

const FILE = '~/.config/aish/config.yaml';

/** The ConfigError message loading `lines` as config.yaml gives. */
async function messageFor(lines: string[], env: Record<string, string> = {}): Promise<string> {
  const home = await tempHome(env);
  await home.writeConfig(lines);
  const error = await loadConfig({ env: home.env }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).message;
}

interface Case {
  what: string;
  lines: string[];
  message: string;
  env?: Record<string, string>;
}

const CASES: Case[] = [
  // YAML itself
  { what: 'a YAML syntax error', lines: ['server:', '  port: 1', 'a: b: c'], message: `${FILE}:3: invalid YAML: Nested mappings are not allowed in compact mappings` },
  { what: 'a key given twice', lines: ['server: {}', 'server: {}'], message: `${FILE}:2: invalid YAML: this key appears twice in the same mapping` },
  { what: 'two YAML documents', lines: ['server: {}', '---', 'server: {}'], message: `${FILE}:2: invalid YAML: more than one YAML document (a second "---" line); aish reads only one` },
  { what: 'a top level that is not a mapping', lines: ['- providers'], message: `${FILE}:1: expected a mapping, got a list` },
  // top level
  { what: 'an unknown top-level key close to a known one', lines: ['default_model: auto', 'specialist: {}'], message: `${FILE}:2: specialist: unknown key (did you mean "specialists"?)` },
  { what: 'a top-level key written with a dash', lines: ['default-model: echo'], message: `${FILE}:1: default-model: unknown key (did you mean "default_model"?)` },
  { what: 'an unknown top-level key far from any', lines: ['colour: red'], message: `${FILE}:1: colour: unknown key (expected one of providers, default_model, specialists, builtin_roster, server, prices, render, limits, sessions, mcp, cache, budget, mcp_servers, tools_confirm)` },
  { what: 'builtin_roster that is not a boolean', lines: ['builtin_roster: no'], message: `${FILE}:1: builtin_roster: expected true or false, got "no"` },
  // mcp
  { what: 'mcp.allow_unix that is not a boolean', lines: ['mcp:', '  allow_unix: sometimes'], message: `${FILE}:2: mcp.allow_unix: expected true or false, got "sometimes"` },
  { what: 'a misspelt mcp key', lines: ['mcp:', '  allow_unx: true'], message: `${FILE}:2: mcp.allow_unx: unknown key (did you mean "allow_unix"?)` },
  // mcp_servers and tools
  { what: 'a server with neither command nor url', lines: ['mcp_servers:', '  files: { args: [x] }'], message: `${FILE}:2: mcp_servers.files: expected command (a server aish starts) or url (one it connects to)` },
  { what: 'a server with both command and url', lines: ['mcp_servers:', '  files: { command: x, url: "http://h/mcp" }'], message: `${FILE}:2: mcp_servers.files: give command (a server aish starts) or url (one it connects to), not both` },
  { what: 'a key a started server does not take', lines: ['mcp_servers:', '  files:', '    command: x', '    headers: {}'], message: `${FILE}:4: mcp_servers.files.headers: unknown key for a server aish starts (expected one of command, args, env, cwd)` },
  { what: 'a server url that is not http', lines: ['mcp_servers:', '  docs: { url: "ftp://h/mcp" }'], message: `${FILE}:2: mcp_servers.docs.url: expected an http:// or https:// URL, got "ftp://h/mcp"` },
  { what: 'a server name with a dot', lines: ['mcp_servers:', '  my.files: { command: x }'], message: `${FILE}:2: mcp_servers.my.files: "my.files" is not a valid MCP server name (letters, digits, - and single _; tools are named SERVER.TOOL)` },
  { what: 'a tool pattern without a server', lines: ['specialists:', '  apollo:', '    tools: [read_file]'], message: `${FILE}:3: specialists.apollo.tools[0]: "read_file" is not a tool pattern (SERVER.TOOL, or SERVER.* for all of a server's tools)` },
  { what: 'a tool pattern naming no configured server', lines: ['mcp_servers:', '  files: { command: x }', 'specialists:', '  apollo:', '    tools: [docs.*]'], message: `${FILE}:5: specialists.apollo.tools[0]: no MCP server named "docs" (mcp_servers has files)` },
  { what: 'max_tool_rounds that is not a whole number', lines: ['limits:', '  max_tool_rounds: 2.5'], message: `${FILE}:2: limits.max_tool_rounds: expected a whole number from 0 to 1000, got 2.5` },
  // providers
  { what: 'an unknown provider', lines: ['providers:', '  mistral: {}'], message: `${FILE}:2: providers.mistral: unknown provider (expected one of anthropic, openai, ollama)` },
  { what: 'a misspelt provider', lines: ['providers:', '  anthropik: {}'], message: `${FILE}:2: providers.anthropik: unknown provider (did you mean "anthropic"?)` },
  { what: 'an api key that YAML reads as a number', lines: ['providers:', '  anthropic:', '    api_key: 12345'], message: `${FILE}:3: providers.anthropic.api_key: expected a string, got 12345 (put it in quotes)` },
  { what: 'a base_url that is not a URL', lines: ['providers:', '  openai: { base_url: api.openai.com/v1 }'], message: `${FILE}:2: providers.openai.base_url: expected an http:// or https:// URL, got "api.openai.com/v1"` },
  { what: 'an api key for ollama', lines: ['providers:', '  ollama:', '    api_key: x'], message: `${FILE}:3: providers.ollama.api_key: unknown key (expected one of base_url, limits)` },
  { what: 'a provider that is not a mapping', lines: ['providers:', '  openai: sk-123'], message: `${FILE}:2: providers.openai: expected a mapping, got "sk-123"` },
  // default_model
  { what: 'a default_model without a provider', lines: ['default_model: gpt-4o'], message: `${FILE}:1: default_model: expected auto, echo or provider/model (provider: anthropic, openai, ollama), got "gpt-4o"` },
  { what: 'a default_model with an unknown provider', lines: ['default_model: mistral/large'], message: `${FILE}:1: default_model: unknown provider "mistral" in "mistral/large" (expected anthropic, openai, ollama; openai with a base_url covers OpenAI-compatible servers)` },
  { what: 'a default_model with no model name', lines: ['default_model: ollama/'], message: `${FILE}:1: default_model: expected a model name after "ollama/", got "ollama/"` },
  { what: 'an echo option that does not exist', lines: ['default_model: echo?speed=3'], message: `${FILE}:1: default_model: unknown echo option "speed" (expected ttft_ms or tps)` },
  { what: 'an echo tps of zero', lines: ['default_model: echo?tps=0'], message: `${FILE}:1: default_model: echo option tps: expected a number above 0, got "0"` },
  // specialists
  {
    what: 'a capability score that is not a number (the example of the brief)',
    lines: ['default_model: auto', 'specialists:', '  apollo:', '    capabilities:', '      primary: [code-analysis]', '      scores:', '        code-analysis: high'],
    message: `${FILE}:7: specialists.apollo.capabilities.scores.code-analysis: expected a number from 0 to 1, got "high"`,
  },
  { what: 'a capability score above 1', lines: ['specialists:', '  apollo:', '    capabilities: { scores: { debugging: 1.5 } }'], message: `${FILE}:3: specialists.apollo.capabilities.scores.debugging: expected a number from 0 to 1, got 1.5` },
  { what: 'a capability name with capitals', lines: ['specialists:', '  apollo:', '    capabilities:', '      scores:', '        Debugging: 0.5'], message: `${FILE}:5: specialists.apollo.capabilities.scores.Debugging: not a valid capability name (a lowercase letter, then lowercase letters, digits, - or _)` },
  { what: 'an unknown capabilities key', lines: ['specialists:', '  apollo:', '    capabilities:', '      score: {}'], message: `${FILE}:4: specialists.apollo.capabilities.score: unknown key (did you mean "scores"?)` },
  { what: 'a specialist id with capitals', lines: ['specialists:', '  Apollo: {}'], message: `${FILE}:2: specialists.Apollo: "Apollo" is not a valid specialist id (a lowercase letter, then lowercase letters, digits, - or _)` },
  { what: 'a specialist id starting with a digit', lines: ['specialists:', '  2pac: {}'], message: `${FILE}:2: specialists.2pac: "2pac" is not a valid specialist id (a lowercase letter, then lowercase letters, digits, - or _)` },
  { what: 'a misspelt specialist field', lines: ['specialists:', '  apollo:', '    sytem: You are Apollo'], message: `${FILE}:3: specialists.apollo.sytem: unknown key (did you mean "system"?)` },
  { what: 'aliases that are not a list', lines: ['specialists:', '  apollo:', '    aliases: apollo-ai'], message: `${FILE}:3: specialists.apollo.aliases: expected a list of strings, got "apollo-ai"` },
  { what: 'an alias with a space', lines: ['specialists:', '  apollo:', '    aliases:', '      - code bot'], message: `${FILE}:4: specialists.apollo.aliases[0]: "code bot" is not valid as an alias (a lowercase letter, then lowercase letters, digits, - or _)` },
  { what: 'a specialist model without a provider', lines: ['specialists:', '  apollo:', '    model: llama3.1'], message: `${FILE}:3: specialists.apollo.model: expected auto, echo or provider/model (provider: anthropic, openai, ollama), got "llama3.1"` },
  { what: 'a system prompt that is a list', lines: ['specialists:', '  apollo:', '    system: [a, b]'], message: `${FILE}:3: specialists.apollo.system: expected a string, got a list` },
  { what: 'a fallback naming no specialist', lines: ['specialists:', '  apollo:', '    fallback: [athena, athenna]'], message: `${FILE}:3: specialists.apollo.fallback[1]: no specialist "athenna" (did you mean "athena"?)` },
  { what: 'a fallback naming an alias', lines: ['specialists:', '  apollo:', '    fallback:', '      - athena-ai'], message: `${FILE}:4: specialists.apollo.fallback[0]: "athena-ai" is an alias; fallback names specialist ids (write "athena")` },
  { what: 'a fallback to itself', lines: ['specialists:', '  apollo:', '    fallback: [apollo]'], message: `${FILE}:3: specialists.apollo.fallback[0]: a specialist cannot fall back to itself` },
  { what: 'an alias another specialist has', lines: ['specialists:', '  coder:', '    aliases: [apollo-ai]'], message: `${FILE}:3: specialists.coder.aliases[0]: "apollo-ai" is both an alias of apollo and an alias of coder` },
  { what: 'an alias that is another specialist id', lines: ['specialists:', '  coder:', '    aliases: [athena]'], message: `${FILE}:3: specialists.coder.aliases[0]: "athena" is both the id of a specialist and an alias of coder` },
  { what: 'a new id that is a built-in alias', lines: ['specialists:', '  apollo-ai: {}'], message: `${FILE}:2: specialists.apollo-ai: "apollo-ai" is both the id of a specialist and an alias of apollo` },
  { what: 'specialists that are a list', lines: ['specialists:', '  - apollo'], message: `${FILE}:2: specialists: expected a mapping, got a list` },
  // server
  { what: 'a port out of range', lines: ['server:', '  port: 70000'], message: `${FILE}:2: server.port: expected a whole number from 0 to 65535, got 70000` },
  { what: 'a port that is text', lines: ['server:', '  port: eighty'], message: `${FILE}:2: server.port: expected a whole number from 0 to 65535, got "eighty"` },
  { what: 'a port from a variable that is not a number', lines: ['server:', '  port: ${AISH_PORT}'], env: { AISH_PORT: 'x80' }, message: `${FILE}:2: server.port: expected a whole number from 0 to 65535, got "x80" (from \${AISH_PORT})` },
  { what: 'max_streams of zero', lines: ['server: { max_streams: 0 }'], message: `${FILE}:1: server.max_streams: expected a whole number, 1 or more, got 0` },
  { what: 'a fractional max_body', lines: ['server:', '  max_body: 1.5'], message: `${FILE}:2: server.max_body: expected a whole number of bytes, 1 or more, got 1.5` },
  { what: 'a negative rate limit', lines: ['server:', '  rate_limit: -1'], message: `${FILE}:2: server.rate_limit: expected a whole number of requests per minute, 0 or more, got -1` },
  { what: 'a misspelt server key', lines: ['server:', '  prot: 8003'], message: `${FILE}:2: server.prot: unknown key (did you mean "port"?)` },
  { what: 'a token that YAML reads as a number', lines: ['server:', '  token: 1234'], message: `${FILE}:2: server.token: expected a string, got 1234 (put it in quotes)` },
  // substitution
  { what: 'a ${ that is not closed', lines: ['providers:', '  openai:', '    api_key: "${OPENAI_API_KEY"'], message: `${FILE}:3: providers.openai.api_key: "\${" is not closed by "}" (write $\${ for a literal \${)` },
  { what: 'a ${ with a bad name', lines: ['specialists:', '  apollo:', '    system: "costs ${5}"'], message: `${FILE}:3: specialists.apollo.system: "\${5}" is not a variable reference: write \${NAME} with letters, digits and _ (or $\${ for a literal \${)` },
];

describe('config.yaml errors name the file, the line and the key', () => {
  it.each(CASES)('$what', async ({ lines, message, env }) => {
    expect(await messageFor(lines, env)).toBe(message);
  });

  it('lists every problem of a file, one per line, top to bottom', async () => {
    const message = await messageFor(['server:', '  prot: 1', '  port: x', 'default_model: gpt', 'colour: red']);
    expect(message.split('\n')).toEqual([
      `${FILE}:2: server.prot: unknown key (did you mean "port"?)`,
      `${FILE}:3: server.port: expected a whole number from 0 to 65535, got "x"`,
      `${FILE}:4: default_model: expected auto, echo or provider/model (provider: anthropic, openai, ollama), got "gpt"`,
      `${FILE}:5: colour: unknown key (expected one of providers, default_model, specialists, builtin_roster, server, prices, render, limits, sessions, mcp, cache, budget, mcp_servers, tools_confirm)`,
    ]);
  });

  it('gives the code CONFIG_INVALID and the first problem as fields', async () => {
    const home = await tempHome();
    await home.writeConfig(['server:', '  port: x', '  max_body: 0']);
    const error = (await loadConfig({ env: home.env }).catch((thrown: unknown) => thrown)) as ConfigError;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.name).toBe('ConfigError');
    expect([error.file, error.line, error.key]).toEqual([home.configPath, 2, 'server.port']);
    expect(error.problems.map((problem) => problem.line)).toEqual([2, 3]);
  });

  it('shows a file outside the home folder with its full path', async () => {
    const home = await tempHome();
    const outside = await tempHome();
    const file = await outside.write('aish.yaml', ['server: { port: -1 }']);
    await expect(loadConfig({ env: home.env, file })).rejects.toThrow(`${file}:1: server.port: expected a whole number from 0 to 65535, got -1`);
  });

  it('reports a config path that is a folder', async () => {
    const home = await tempHome();
    await home.write('.config/aish/config.yaml/keep', 'x');
    await expect(loadConfig({ env: home.env })).rejects.toThrow(`${FILE}: cannot read the config file: it is a folder, not a file`);
  });

  it('reports a missing file only when it is required (an explicit --config)', async () => {
    const home = await tempHome();
    const file = `${home.home}/nowhere.yaml`;
    await expect(loadConfig({ env: home.env, file })).resolves.toMatchObject({ file: undefined });
    await expect(loadConfig({ env: home.env, file, required: true })).rejects.toThrow('~/nowhere.yaml: cannot read the config file: no such file');
  });

  it('reports an OLLAMA_HOST it cannot use', async () => {
    const home = await tempHome({ OLLAMA_HOST: 'http://exa mple:1' });
    await expect(loadConfig({ env: home.env })).rejects.toThrow('OLLAMA_HOST: expected host, host:port or an http(s) URL, got "http://exa mple:1"');
  });
});
