import { describe, expect, it } from 'vitest';
import { parse, type Pipeline } from '../../src/syntax/index.js';
import { editDistance } from '../../src/protocol/index.js';
import { BUILTIN_KINDS } from '../../src/exec/index.js';
import { planPipeline, suggestNames, type PlanContext, type SpecialistDirectory } from '../../src/plan/index.js';

const directory: SpecialistDirectory = {
  ids: ['apollo', 'athena', 'athos', 'hermes'],
  aliases: new Map([['apollo-ai', 'apollo']]),
};

function pipelineOf(line: string): Pipeline {
  const parsed = parse(line);
  if (!parsed.ok) throw new Error(parsed.diagnostic.message);
  return parsed.script.lists[0]!.items[0]!.body.first;
}

function context(extra: Partial<PlanContext> = {}): PlanContext {
  return {
    builtins: BUILTIN_KINDS,
    directory,
    aliases: new Map(),
    expandName: (word) => (word.parts.every((part) => part.kind === 'text') ? word.parts.map((part) => (part.kind === 'text' ? part.value : '')).join('') : undefined),
    findExecutable: (name) => (['cat', 'wc', 'hermes'].includes(name) ? `/usr/bin/${name}` : undefined),
    ...extra,
  };
}

/** The value with every object that has a `toJSON` replaced by what it gives (as JSON.stringify does), and nothing else changed. */
function jsonForm(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(jsonForm);
  if (value === null || typeof value !== 'object') return value;
  if ('toJSON' in value && typeof value.toJSON === 'function') return jsonForm(value.toJSON());
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, jsonForm(child)]));
}

function plan(line: string, extra: Partial<PlanContext> = {}) {
  return planPipeline(pipelineOf(line), context(extra));
}

describe('name resolution', () => {
  it('resolves an exact id, a registered alias and a unique prefix', () => {
    const result = plan('apollo | apollo-ai | apol | herm');
    if (!result.ok) throw new Error(result.diagnostic.message);
    expect(result.plan.stages.map((step) => (step.kind === 'ai' ? `${step.specialist}:${step.resolvedBy}` : step.kind))).toEqual([
      'apollo:id',
      'apollo:alias',
      'apollo:prefix',
      'hermes:prefix',
    ]);
  });

  it('a builtin wins over everything', () => {
    const result = plan('echo hi');
    expect(result.ok && result.plan.stages[0]!.kind).toBe('builtin');
  });

  it('a specialist wins over a Unix command of the same name, unless forced, and the plan says which command it hides', () => {
    const named = plan('hermes');
    expect(named.ok && named.plan.stages[0]).toMatchObject({ kind: 'ai', specialist: 'hermes', shadows: '/usr/bin/hermes' });
    for (const line of ['command hermes', '!hermes']) {
      const forced = plan(line);
      expect(forced.ok && forced.plan.stages[0]).toMatchObject({ kind: 'unix', program: 'hermes', path: '/usr/bin/hermes' });
    }
  });

  it('a Unix command on PATH wins over a specialist prefix', () => {
    const result = plan('cat | wc', { directory: { ids: ['catalog', 'wcounter'], aliases: new Map() } });
    expect(result.ok && result.plan.stages.map((step) => step.kind)).toEqual(['unix', 'unix']);
  });

  it('a prefix shorter than 3 letters is not a specialist', () => {
    const result = plan('ap');
    expect(result.ok).toBe(false);
  });

  it('an ambiguous prefix lists the candidates', () => {
    const result = plan('ath');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.diagnostic.code).toBe('plan/ambiguous');
      expect(result.diagnostic.message).toBe("'ath' is ambiguous: it could be athena, athos");
    }
  });

  it('an unknown name suggests close names and points at the word', () => {
    const result = plan('cat | apolo');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.diagnostic).toMatchObject({ code: 'plan/not-found', message: "'apolo' not found. Did you mean: apollo?", span: { start: 6, end: 11 } });
    }
  });

  it('an unknown name with nothing close says only not found', () => {
    const result = plan('zzzzzz');
    expect(!result.ok && result.diagnostic.message).toBe("'zzzzzz' not found.");
  });

  it('a forced command that is not on PATH is not found, without specialist suggestions', () => {
    const result = plan('!apolo');
    expect(!result.ok && result.diagnostic.message).toBe("'apolo' not found.");
  });

  it('a command name from $(…) is left to be resolved when the stage runs', () => {
    const result = plan('$(echo apollo) hi');
    expect(result.ok && result.plan.stages[0]!.kind).toBe('dynamic');
  });
});

describe('aliases', () => {
  const aliases = new Map([
    ['review', pipelineOf('apollo "review this"')],
    ['two', pipelineOf('apollo | athena')],
    ['apollo', pipelineOf('apollo "always"')],
  ]);

  it('a one-stage alias takes the arguments and redirects of its use', () => {
    const result = plan('review carefully > out.md', { aliases });
    if (!result.ok) throw new Error(result.diagnostic.message);
    const step = result.plan.stages[0]!;
    expect(step.kind).toBe('ai');
    if (step.kind === 'ai') expect(step.args.map((word) => (word.parts[0] as { value: string }).value)).toEqual(['review this', 'carefully']);
    expect(step.redirects).toHaveLength(1);
  });

  it('a pipeline alias becomes a group whose last stage takes the arguments', () => {
    const result = plan('two extra', { aliases });
    if (!result.ok) throw new Error(result.diagnostic.message);
    const step = result.plan.stages[0]!;
    expect(step.kind).toBe('group');
    if (step.kind === 'group') expect(step.pipeline.stages.map((stage) => stage.kind)).toEqual(['ai', 'ai']);
  });

  it('an alias is expanded once: its own name inside resolves normally', () => {
    const result = plan('apollo', { aliases });
    expect(result.ok && result.plan.stages[0]).toMatchObject({ kind: 'ai', specialist: 'apollo' });
  });
});

describe('fan-outs and team-chat', () => {
  it('shared arguments go to every branch; --json stays with the fan-out', () => {
    const result = plan('apollo,athena "be brief" --json');
    if (!result.ok) throw new Error(result.diagnostic.message);
    const fanout = result.plan.stages[0]!;
    expect(fanout.kind).toBe('fanout');
    if (fanout.kind !== 'fanout') return;
    expect(fanout.branches.map((branch) => branch.label)).toEqual(['apollo', 'athena']);
    const branchArgs = fanout.branches[0]!.pipeline.stages[0]!;
    expect(branchArgs.kind === 'ai' && branchArgs.args).toHaveLength(1);
    expect(fanout.args).toHaveLength(2);
  });

  it('a ( pipeline ) branch is labelled with its printed text', () => {
    const result = plan('{(apollo | wc -l), @code-analysis}');
    expect(result.ok && result.plan.stages[0]!.kind === 'fanout' && result.plan.stages[0].branches.map((branch) => branch.label)).toEqual([
      'apollo | wc -l',
      '@code-analysis',
    ]);
  });

  it('team-chat is a fan-out to every specialist', () => {
    const result = plan('team-chat "q"');
    expect(result.ok && result.plan.stages[0]!.kind === 'fanout' && result.plan.stages[0].branches.map((branch) => branch.label)).toEqual(directory.ids);
  });

  it('the plan is plain data', () => {
    const result = plan('cat f | apollo,athena "x" | wc -l > out');
    expect(result.ok).toBe(true);
    // Words of one text part are kept compactly (TextWord), as data that gives its JSON form itself.
    if (result.ok) expect(JSON.parse(JSON.stringify(result.plan))).toEqual(jsonForm(result.plan));
  });
});

describe('suggestions', () => {
  it('edit distance counts a transposition as one edit', () => {
    expect(editDistance('apollo', 'aplolo')).toBe(1);
    expect(editDistance('athena', 'athena')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the closest names first and ignores far ones', () => {
    expect(suggestNames('atheno', ['athena', 'athos', 'apollo'])).toEqual(['athena']);
    expect(suggestNames('qqq', ['athena'])).toEqual([]);
  });
});
