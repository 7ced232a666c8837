import { describe, expect, it } from 'vitest';
import { minimalInstance } from '../../src/providers/echo-instance.js';
import { createEchoModel } from '../../src/providers/index.js';
import { validatorFor } from '../../src/service/schema.js';
import { collect, textOf } from './support/collect.js';

describe("the echo model's answer to a schema", () => {
  it('is the smallest instance, the message in its first string field', () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, born: { type: 'integer' }, bio: { type: 'string' }, alive: { type: 'boolean' }, optional: { type: 'string' } },
      required: ['name', 'born', 'bio', 'alive'],
    };
    expect(minimalInstance(schema, 'Ada')).toEqual({ name: 'Ada', born: 0, bio: '', alive: false });
  });

  it('takes minimums, minItems, enums, const, formats and local $refs', () => {
    const schema = {
      type: 'object',
      $defs: { tag: { type: 'string', enum: ['red', 'green'] } },
      properties: {
        n: { type: 'integer', minimum: 3 },
        x: { type: 'number', exclusiveMinimum: 1.5 },
        tags: { type: 'array', items: { $ref: '#/$defs/tag' }, minItems: 2 },
        kind: { const: 'person' },
        when: { type: 'string', format: 'date' },
        code: { type: 'string', minLength: 3 },
        maybe: { type: ['null', 'string'] },
      },
      required: ['n', 'x', 'tags', 'kind', 'when', 'code', 'maybe'],
      additionalProperties: false,
    };
    const value = minimalInstance(schema, 'hi');
    expect(value).toEqual({ n: 3, x: 2.5, tags: ['red', 'red'], kind: 'person', when: '1970-01-01', code: 'hix', maybe: '' });
    expect(validatorFor(schema)(value)).toBe(true);
  });

  it('streams the instance as JSON text when the request has a response format', async () => {
    const model = createEchoModel('echo');
    const format = { name: 'answer', multi: false, schema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] } };
    const parts = await collect(model, { caller: 'apollo', messages: [{ role: 'user', content: 'Ada Lovelace\n' }], responseFormat: format });
    expect(textOf(parts)).toBe('{"title":"Ada Lovelace"}');
  });

  it('answers a list with one item', async () => {
    const model = createEchoModel('echo');
    const schema = { type: 'object', properties: { items: { type: 'array', items: { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] } } }, required: ['items'] };
    const parts = await collect(model, { caller: 'apollo', messages: [{ role: 'user', content: 'x' }], responseFormat: { name: 'answers', multi: true, field: 'items', schema } });
    expect(textOf(parts)).toBe('{"items":[{"a":0}]}');
  });
});
