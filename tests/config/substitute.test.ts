import { describe, expect, it } from 'vitest';
import { substituteEnv } from '../../src/config/index.js';
import { protectReferences, restoreReferences } from '../../src/config/substitute.js';

describe('${NAME} substitution', () => {
  const env = { KEY: 'sk-1', EMPTY: '' };

  it('replaces every ${NAME} with its value', () => {
    expect(substituteEnv('a ${KEY} b ${KEY}', env)).toEqual({ ok: true, value: 'a sk-1 b sk-1', substituted: true });
  });

  it('turns an unset or empty variable into the empty string', () => {
    expect(substituteEnv('[${UNSET}][${EMPTY}]', env)).toEqual({ ok: true, value: '[][]', substituted: true });
  });

  it('leaves text without references alone, $ signs included', () => {
    expect(substituteEnv('costs $5, or $$ and {braces}', env)).toEqual({ ok: true, value: 'costs $5, or $$ and {braces}', substituted: false });
  });

  it('reads $${ as a literal ${', () => {
    expect(substituteEnv('echo $${KEY} and ${KEY}', env)).toEqual({ ok: true, value: 'echo ${KEY} and sk-1', substituted: true });
  });

  it('refuses a ${ that is not closed', () => {
    expect(substituteEnv('x ${KEY', env)).toEqual({ ok: false, message: '"${" is not closed by "}" (write $${ for a literal ${)' });
  });

  it('refuses a ${…} that is not a variable name', () => {
    expect(substituteEnv('${KEY:-default}', env).ok).toBe(false);
    expect(substituteEnv('${}', env).ok).toBe(false);
  });

  it('hides references from the YAML parser and restores them exactly', () => {
    const text = 'a: { k: ${KEY}, l: $${KEY} }';
    const hidden = protectReferences(text);
    expect(hidden).not.toContain('${KEY}, ');
    expect(hidden.split('\n')).toHaveLength(1);
    expect(restoreReferences(hidden)).toBe(text);
  });
});
