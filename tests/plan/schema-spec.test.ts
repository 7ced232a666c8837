import { describe, expect, it } from 'vitest';
import { conciseSchema, parseAiArgs, parseSchemaSpec } from '../../src/plan/index.js';

describe('--schema SPEC', () => {
  it('the concise form is an object with exactly those fields, all required', () => {
    expect(conciseSchema('name, age int, bio: one sentence about them')).toEqual({
      ok: true,
      kind: 'schema',
      schema: {
        type: 'object',
        properties: { name: { type: 'string' }, age: { type: 'integer' }, bio: { type: 'string', description: 'one sentence about them' } },
        required: ['name', 'age', 'bio'],
        additionalProperties: false,
      },
    });
  });

  it('fields may be separated by newlines and take every concise type', () => {
    const parsed = conciseSchema('a str\nb int\nc float, d bool: is it?');
    expect(parsed.ok && parsed.kind === 'schema' && parsed.schema.properties).toEqual({
      a: { type: 'string' },
      b: { type: 'integer' },
      c: { type: 'number' },
      d: { type: 'boolean', description: 'is it?' },
    });
  });

  it('a field called __proto__ is a field like any other', () => {
    const parsed = conciseSchema('__proto__ int');
    expect(parsed.ok && parsed.kind === 'schema' && Object.keys(parsed.schema.properties as object)).toEqual(['__proto__']);
  });

  it('JSON Schema text and .json files are told apart from the concise form', () => {
    expect(parseSchemaSpec('{"type":"object"}')).toEqual({ ok: true, kind: 'schema', schema: { type: 'object' } });
    expect(parseSchemaSpec('person.json')).toEqual({ ok: true, kind: 'file', path: 'person.json' });
  });

  it('mistakes are said plainly', () => {
    expect(conciseSchema('age integer')).toEqual({ ok: false, message: "schema field 'age integer': the type is one of str, int, float, bool (a description goes after ':')" });
    expect(conciseSchema('a, a int')).toEqual({ ok: false, message: "schema field 'a' is named twice" });
    expect(conciseSchema('9lives')).toMatchObject({ ok: false });
    expect(parseSchemaSpec('{"type":')).toMatchObject({ ok: false, message: expect.stringMatching(/^the schema is not valid JSON/) });
    expect(parseSchemaSpec('[1]')).toMatchObject({ ok: false });
  });

  it('the stage flags --schema and --schema-multi take one SPEC, not both', () => {
    expect(parseAiArgs(['--schema', 'name', 'hi'])).toEqual({ ok: true, instruction: 'hi', options: { schema: { spec: 'name', multi: false } } });
    expect(parseAiArgs(['--schema-multi=name, age int'])).toEqual({ ok: true, instruction: '', options: { schema: { spec: 'name, age int', multi: true } } });
    expect(parseAiArgs(['--schema'])).toMatchObject({ ok: false, message: expect.stringContaining("'--schema' needs") });
    expect(parseAiArgs(['--schema', 'a', '--schema-multi', 'b'])).toEqual({ ok: false, message: "give one '--schema' or '--schema-multi', not two" });
  });
});
