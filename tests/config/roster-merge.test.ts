import { describe, expect, it } from 'vitest';
import { builtinRoster, genericSystemPrompt, loadConfig, type SpecialistDefinition } from '../../src/config/index.js';
import { tempHome } from './temp-home.js';

async function rosterFor(lines: string[]): Promise<SpecialistDefinition[]> {
  const home = await tempHome();
  await home.writeConfig(lines);
  return (await loadConfig({ env: home.env })).specialists;
}

function byId(roster: SpecialistDefinition[], id: string): SpecialistDefinition {
  const found = roster.find((specialist) => specialist.id === id);
  if (!found) throw new Error(`no ${id} in the roster`);
  return found;
}

const BUILTIN = builtinRoster();
const BUILTIN_APOLLO = byId(BUILTIN, 'apollo');

describe('merging config.yaml specialists with the built-in roster', () => {
  it('overrides only the fields given', async () => {
    const roster = await rosterFor(['specialists:', '  apollo:', '    model: ollama/llama3.1', '    system: You are Apollo, terse.', '    fallback: [athena]']);
    expect(byId(roster, 'apollo')).toEqual({ ...BUILTIN_APOLLO, model: 'ollama/llama3.1', system: 'You are Apollo, terse.', fallback: ['athena'] });
    expect(roster.filter((specialist) => specialist.id !== 'apollo')).toEqual(BUILTIN.filter((specialist) => specialist.id !== 'apollo'));
  });

  it('merges capability scores key by key and replaces primary when given', async () => {
    const roster = await rosterFor(['specialists:', '  apollo:', '    capabilities:', '      primary: [rust]', '      scores: { code-analysis: 0.5, rust: 0.9 }']);
    expect(byId(roster, 'apollo').capabilities).toEqual({
      primary: ['rust'],
      scores: { ...BUILTIN_APOLLO.capabilities.scores, 'code-analysis': 0.5, rust: 0.9 },
    });
  });

  it('keeps the built-in primary capabilities when only scores are given', async () => {
    const roster = await rosterFor(['specialists:', '  apollo:', '    capabilities: { scores: { rust: 0.9 } }']);
    expect(byId(roster, 'apollo').capabilities.primary).toEqual(BUILTIN_APOLLO.capabilities.primary);
  });

  it('keeps the order of the built-in roster and adds new ids after it, in file order', async () => {
    const roster = await rosterFor(['specialists:', '  zeta: {}', '  apollo: { name: Phoebus }', '  alpha: {}']);
    expect(roster.map((specialist) => specialist.id)).toEqual([...BUILTIN.map((specialist) => specialist.id), 'zeta', 'alpha']);
    expect(byId(roster, 'apollo').name).toBe('Phoebus');
  });

  it('gives a new specialist defaults: capitalised name, an -ai alias, model auto, a generic prompt', async () => {
    const roster = await rosterFor(['specialists:', '  sqlsage:', '    description: SQL tuning.', '    capabilities:', '      scores: { sql: 0.8, databases: 0.95, tuning: 0.7, go: 0.1 }']);
    expect(byId(roster, 'sqlsage')).toEqual({
      id: 'sqlsage',
      name: 'Sqlsage',
      aliases: ['sqlsage-ai'],
      description: 'SQL tuning.',
      system: 'You are Sqlsage, an aish specialist. Your role: SQL tuning. Answer plainly; your output may be piped into other programs.',
      model: 'auto',
      // Not given: the three best scores, best first.
      capabilities: { primary: ['databases', 'sql', 'tuning'], scores: { sql: 0.8, databases: 0.95, tuning: 0.7, go: 0.1 } },
      fallback: [],
    });
  });

  it('lets a new specialist name its own aliases, model and fallback', async () => {
    const roster = await rosterFor(['specialists:', '  sqlsage:', '    name: SQL Sage', '    aliases: [sql, dba]', '    model: openai/gpt-4o', '    fallback: [athena]', '    system: You tune SQL.']);
    expect(byId(roster, 'sqlsage')).toMatchObject({ name: 'SQL Sage', aliases: ['sql', 'dba'], model: 'openai/gpt-4o', fallback: ['athena'], system: 'You tune SQL.' });
  });

  it('reads an entry with no fields as the specialist unchanged', async () => {
    const roster = await rosterFor(['specialists:', '  apollo:']);
    expect(roster).toEqual(BUILTIN);
  });

  it('follows YAML anchors and aliases', async () => {
    const roster = await rosterFor(['specialists:', '  apollo:', '    system: &terse Be terse.', '  athena:', '    system: *terse']);
    expect([byId(roster, 'apollo').system, byId(roster, 'athena').system]).toEqual(['Be terse.', 'Be terse.']);
  });

  it('does not change the built-in roster it started from', async () => {
    await rosterFor(['specialists:', '  apollo:', '    capabilities: { scores: { rust: 0.9 } }', '    aliases: [x]']);
    expect(builtinRoster()).toEqual(BUILTIN);
  });
});

describe('builtin_roster: false', () => {
  it('starts from an empty roster', async () => {
    const roster = await rosterFor(['builtin_roster: false', 'specialists:', '  coder:', '    system: You write code.', '  apollo:', '    model: echo']);
    expect(roster.map((specialist) => specialist.id)).toEqual(['coder', 'apollo']);
    expect(byId(roster, 'coder').system).toBe('You write code.');
    // apollo is a new specialist here: nothing of the built-in one is kept.
    expect(byId(roster, 'apollo')).toMatchObject({ name: 'Apollo', description: '', model: 'echo', system: genericSystemPrompt('Apollo', ''), capabilities: { primary: [], scores: {} } });
  });

  it('with no specialists gives an empty roster', async () => {
    expect(await rosterFor(['builtin_roster: false'])).toEqual([]);
  });

  it('makes a fallback to a built-in specialist an error', async () => {
    const home = await tempHome();
    await home.writeConfig(['builtin_roster: false', 'specialists:', '  coder:', '    fallback: [athena]']);
    await expect(loadConfig({ env: home.env })).rejects.toThrow('~/.config/aish/config.yaml:4: specialists.coder.fallback[0]: no specialist "athena" (expected coder)');
  });

  it('is true by default and may be said', async () => {
    expect(await rosterFor(['builtin_roster: true'])).toEqual(BUILTIN);
  });
});
