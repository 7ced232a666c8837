import { describe, expect, it } from 'vitest';
import { builtinRoster, ConfigError, loadConfig, type SpecialistDefinition } from '../../src/config/index.js';
import { tempHome } from './temp-home.js';

function byId(roster: SpecialistDefinition[], id: string): SpecialistDefinition | undefined {
  return roster.find((specialist) => specialist.id === id);
}

const DIR = '~/.config/aish/specialists';

describe('Markdown specialists', () => {
  it('take their settings from the front matter and their prompt from the body', async () => {
    const home = await tempHome();
    await home.writeSpecialist('sqlsage.md', [
      '---',
      'name: SQL Sage',
      'model: ollama/qwen3',
      'aliases: [sql]',
      'description: Query tuning',
      'capabilities:',
      '  primary: [sql]',
      '  scores: { sql: 0.95, databases: 0.8 }',
      'fallback: [athena]',
      '---',
      '',
      'You tune SQL queries.',
      '',
      'Explain each index you propose; ${KEEP} stays as written.',
      '',
    ]);
    const config = await loadConfig({ env: home.env });
    expect(config.specialists.at(-1)).toEqual({
      id: 'sqlsage',
      name: 'SQL Sage',
      aliases: ['sql'],
      description: 'Query tuning',
      system: 'You tune SQL queries.\n\nExplain each index you propose; ${KEEP} stays as written.',
      model: 'ollama/qwen3',
      capabilities: { primary: ['sql'], scores: { sql: 0.95, databases: 0.8 } },
      fallback: ['athena'],
    });
  });

  it('may have no front matter at all: the id is the file name, the whole text the prompt', async () => {
    const home = await tempHome();
    await home.writeSpecialist('poet.md', ['You write short poems.']);
    expect(byId((await loadConfig({ env: home.env })).specialists, 'poet')).toMatchObject({ name: 'Poet', aliases: ['poet-ai'], model: 'auto', system: 'You write short poems.' });
  });

  it('may set its id in the front matter', async () => {
    const home = await tempHome();
    await home.writeSpecialist('My Writer.md', ['---', 'id: scribe', '---', 'You write.']);
    expect(byId((await loadConfig({ env: home.env })).specialists, 'scribe')?.system).toBe('You write.');
  });

  it('substitute ${NAME} in the front matter', async () => {
    const home = await tempHome({ POET_MODEL: 'openai/gpt-4o-mini' });
    await home.writeSpecialist('poet.md', ['---', 'model: ${POET_MODEL}', '---', 'Rhymes.']);
    expect(byId((await loadConfig({ env: home.env })).specialists, 'poet')?.model).toBe('openai/gpt-4o-mini');
  });

  it('override a built-in specialist field by field; an empty body keeps its prompt', async () => {
    const home = await tempHome();
    await home.writeSpecialist('apollo.md', ['---', 'model: echo', 'capabilities: { scores: { rust: 0.9 } }', '---']);
    const apollo = byId((await loadConfig({ env: home.env })).specialists, 'apollo');
    const builtin = byId(builtinRoster(), 'apollo')!;
    expect(apollo).toEqual({ ...builtin, model: 'echo', capabilities: { ...builtin.capabilities, scores: { ...builtin.capabilities.scores, rust: 0.9 } } });
  });

  it('come after config.yaml, so a file overrides the config, and new ones follow the config ones', async () => {
    const home = await tempHome();
    await home.writeConfig(['specialists:', '  apollo:', '    model: openai/gpt-4o', '    description: From the config', '  zeta: {}']);
    await home.writeSpecialist('apollo.md', ['---', 'model: anthropic/claude-sonnet-4-5', '---', 'From the file.']);
    await home.writeSpecialist('beta.md', ['Beta.']);
    await home.writeSpecialist('alpha.md', ['Alpha.']);
    const roster = (await loadConfig({ env: home.env })).specialists;
    expect(byId(roster, 'apollo')).toMatchObject({ model: 'anthropic/claude-sonnet-4-5', description: 'From the config', system: 'From the file.' });
    expect(roster.slice(-3).map((specialist) => specialist.id)).toEqual(['zeta', 'alpha', 'beta']);
  });

  it('may be named as fallbacks in config.yaml', async () => {
    const home = await tempHome();
    await home.writeConfig(['specialists:', '  apollo: { fallback: [poet] }']);
    await home.writeSpecialist('poet.md', ['Rhymes.']);
    expect(byId((await loadConfig({ env: home.env })).specialists, 'apollo')?.fallback).toEqual(['poet']);
  });

  it('are read from AISH_SPECIALISTS_DIR when it is set', async () => {
    const home = await tempHome();
    await home.writeSpecialist('ignored.md', ['Not read.']);
    await home.write('team/reviewer.md', ['You review.']);
    const roster = (await loadConfig({ env: { ...home.env, AISH_SPECIALISTS_DIR: `${home.home}/team` } })).specialists;
    expect(byId(roster, 'reviewer')?.system).toBe('You review.');
    expect(byId(roster, 'ignored')).toBeUndefined();
  });

  it('ignore files that are not .md and a folder that does not exist', async () => {
    const home = await tempHome();
    await home.writeSpecialist('notes.txt', ['Not a specialist.']);
    expect((await loadConfig({ env: home.env })).specialists).toEqual(builtinRoster());
  });

  it('accept Windows line ends and a byte order mark', async () => {
    const home = await tempHome();
    await home.writeSpecialist('crlf.md', '\uFEFF---\r\nmodel: echo\r\n---\r\nLine one.\r\nLine two.\r\n');
    expect(byId((await loadConfig({ env: home.env })).specialists, 'crlf')).toMatchObject({ model: 'echo', system: 'Line one.\nLine two.' });
  });
});

describe('Markdown specialist errors name the .md file and its line', () => {
  async function messageFor(files: Record<string, string[]>): Promise<string> {
    const home = await tempHome();
    for (const [name, lines] of Object.entries(files)) await home.writeSpecialist(name, lines);
    const error = await loadConfig({ env: home.env }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }

  it('counts lines from the top of the file, the --- line included', async () => {
    expect(await messageFor({ 'apollo.md': ['---', 'model: echo', 'capabilities:', '  scores:', '    code-analysis: high', '---', 'Prompt.'] })).toBe(
      `${DIR}/apollo.md:5: capabilities.scores.code-analysis: expected a number from 0 to 1, got "high"`,
    );
  });

  it('reports YAML syntax errors in the front matter', async () => {
    expect(await messageFor({ 'poet.md': ['---', 'model: echo', 'name: a: b', '---'] })).toBe(`${DIR}/poet.md:3: invalid YAML: Nested mappings are not allowed in compact mappings`);
  });

  it('reports a front matter that is not closed', async () => {
    expect(await messageFor({ 'poet.md': ['---', 'model: echo', 'Rhymes.'] })).toBe(`${DIR}/poet.md:1: the front matter opened by "---" is not closed by a "---" line`);
  });

  it('refuses a system key: the body is the prompt', async () => {
    expect(await messageFor({ 'poet.md': ['---', 'system: Rhymes.', '---'] })).toBe(`${DIR}/poet.md:2: system: a Markdown specialist's system prompt is the text after the front matter, not a key`);
  });

  it('reports unknown keys with a suggestion', async () => {
    expect(await messageFor({ 'poet.md': ['---', 'modle: echo', '---'] })).toBe(`${DIR}/poet.md:2: modle: unknown key (did you mean "model"?)`);
  });

  it('reports a file name that is not a valid id', async () => {
    expect(await messageFor({ 'My Poet.md': ['Rhymes.'] })).toBe(
      `${DIR}/My Poet.md: id: the file name gives the id "My Poet", which is not a valid specialist id; rename the file or set id: in the front matter`,
    );
  });

  it('reports an id that is not valid', async () => {
    expect(await messageFor({ 'poet.md': ['---', 'id: Poet', '---'] })).toBe(`${DIR}/poet.md:2: id: "Poet" is not a valid specialist id (a lowercase letter, then lowercase letters, digits, - or _)`);
  });

  it('reports two files for one id', async () => {
    expect(await messageFor({ 'poet.md': ['Rhymes.'], 'rhymer.md': ['---', 'id: poet', '---', 'More rhymes.'] })).toBe(`${DIR}/rhymer.md:2: id: the specialist "poet" is already defined by poet.md`);
  });

  it('reports a fallback to nobody at its line', async () => {
    expect(await messageFor({ 'poet.md': ['---', 'fallback:', '  - athena', '  - zeus', '---'] })).toBe(`${DIR}/poet.md:4: fallback[1]: no specialist "zeus" (expected one of apollo, athena, prometheus, hermes, sophia, telos, metis, harmonia, synthesis, engram, rhetor, poet)`);
  });

  it('reports problems of config.yaml first, then those of the files', async () => {
    const home = await tempHome();
    await home.writeConfig(['server: { port: x }']);
    await home.writeSpecialist('poet.md', ['---', 'model: gpt', '---']);
    const error = (await loadConfig({ env: home.env }).catch((thrown: unknown) => thrown)) as ConfigError;
    expect(error.message.split('\n')).toEqual([
      '~/.config/aish/config.yaml:1: server.port: expected a whole number from 0 to 65535, got "x"',
      `${DIR}/poet.md:2: model: expected auto, echo or provider/model (provider: anthropic, openai, ollama), got "gpt"`,
    ]);
  });
});
