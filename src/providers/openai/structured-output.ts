/**
 * A typed answer as OpenAI asks for it: `response_format` `json_schema`.
 * Strict mode (the model can only produce matching JSON) accepts a subset of
 * JSON Schema, so `strict: true` is sent only when the schema is in it; any
 * other schema goes with `strict: false`, and aish's own validation and
 * repair do the checking (docs/schemas-and-events.md says which is which).
 */
import type { ResponseFormat } from '../provider.js';
import type { OpenAiResponseFormat } from './api-types.js';

/** Keywords strict mode refuses (its documented subset leaves them out). */
const NOT_IN_STRICT = new Set([
  'allOf', 'oneOf', 'not', 'if', 'then', 'else', 'patternProperties', 'propertyNames', 'dependentRequired', 'dependentSchemas',
  'minProperties', 'maxProperties', 'unevaluatedProperties', 'unevaluatedItems', 'contains', 'minContains', 'maxContains',
  'uniqueItems', 'prefixItems', 'minLength', 'maxLength', 'default',
]);

export function toOpenAiResponseFormat(format: ResponseFormat): OpenAiResponseFormat {
  // `$schema` names a dialect; OpenAI reads its own, and the key is not in its subset.
  const { $schema: _dialect, ...schema } = format.schema;
  return { type: 'json_schema', json_schema: { name: format.name, schema, strict: strictReady(schema) } };
}

/** Whether strict mode takes the schema: every object closed and all its properties required, and no keyword outside the subset. */
export function strictReady(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.every(strictReady);
  if (typeof schema !== 'object' || schema === null) return true;
  const node = schema as Record<string, unknown>;
  for (const key of Object.keys(node)) if (NOT_IN_STRICT.has(key)) return false;
  const isObject = node.type === 'object' || (Array.isArray(node.type) && node.type.includes('object')) || 'properties' in node;
  if (isObject) {
    const properties = Object.keys((node.properties as object | undefined) ?? {});
    const required = Array.isArray(node.required) ? node.required : [];
    if (node.additionalProperties !== false || properties.some((name) => !required.includes(name))) return false;
  }
  const children = [node.properties, node.$defs, node.definitions].flatMap((group) => (group && typeof group === 'object' ? Object.values(group) : []));
  return [...children, node.items, node.anyOf].every((child) => child === undefined || strictReady(child));
}
