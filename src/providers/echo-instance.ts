/**
 * The echo model's answer to a schema: the smallest instance that validates,
 * deterministic, with the first string field set to the message it got and
 * every other string `""`, numbers 0 (or their minimum), booleans false,
 * arrays `minItems` copies, enums and `const` their value. So every schema
 * path of aish can be tried offline. Only the schema keywords that decide a
 * minimal value are read; the service validates the result like any answer.
 */

type Schema = Record<string, unknown>;

/** Example values for the string formats a minimal "" would fail. */
const FORMAT_EXAMPLES: Record<string, string> = {
  'date-time': '1970-01-01T00:00:00Z',
  date: '1970-01-01',
  time: '00:00:00Z',
  email: 'user@example.com',
  hostname: 'example.com',
  uri: 'https://example.com',
  url: 'https://example.com',
  uuid: '00000000-0000-0000-0000-000000000000',
  ipv4: '0.0.0.0',
  ipv6: '::',
};

/** How deep `$ref`s and nesting are followed before giving up with null (a recursive schema). */
const MAX_DEPTH = 32;

/** `root` is what local `$ref`s point into: the schema itself, or the wrapper a list item sits in. */
export function minimalInstance(schema: Schema, message: string, root: Schema = schema): unknown {
  const state = { root, message, messageUsed: false };
  return instanceOf(schema, state, 0);
}

interface State {
  root: Schema;
  message: string;
  messageUsed: boolean;
}

function instanceOf(schema: unknown, state: State, depth: number): unknown {
  if (depth > MAX_DEPTH || typeof schema !== 'object' || schema === null) return null;
  const s = schema as Schema;
  if (typeof s.$ref === 'string') return instanceOf(resolveRef(state.root, s.$ref), state, depth + 1);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  for (const key of ['anyOf', 'oneOf']) {
    const options = s[key];
    if (Array.isArray(options) && options.length > 0) return instanceOf(options[0], state, depth + 1);
  }
  if (Array.isArray(s.allOf) && s.allOf.length > 0) return instanceOf(Object.assign({}, ...s.allOf.filter(isSchema)), state, depth + 1);
  switch (typeOf(s)) {
    case 'object':
      return objectOf(s, state, depth);
    case 'array': {
      const count = typeof s.minItems === 'number' ? s.minItems : 0;
      const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : [];
      return Array.from({ length: Math.max(count, 0) }, (_, index) => instanceOf(prefix[index] ?? s.items ?? {}, state, depth + 1));
    }
    case 'string':
      return stringOf(s, state);
    case 'integer':
      return numberOf(s, true);
    case 'number':
      return numberOf(s, false);
    case 'boolean':
      return false;
    default:
      return null;
  }
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null;
}

/** The schema's type: the first one named (not null, when there is a choice), else what its keywords imply. */
function typeOf(s: Schema): string | undefined {
  const type = s.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return (type.find((name) => name !== 'null') ?? type[0]) as string | undefined;
  if ('properties' in s || 'required' in s) return 'object';
  if ('items' in s || 'prefixItems' in s) return 'array';
  return undefined;
}

/** The required properties only: the smallest object that validates. */
function objectOf(s: Schema, state: State, depth: number): Record<string, unknown> {
  const properties = isSchema(s.properties) ? s.properties : {};
  const required = Array.isArray(s.required) ? (s.required as string[]) : [];
  const entries = required.map((name) => [name, instanceOf(properties[name] ?? {}, state, depth + 1)] as const);
  const minimum = typeof s.minProperties === 'number' ? s.minProperties : 0;
  for (const name of Object.keys(properties)) {
    if (entries.length >= minimum) break;
    if (!required.includes(name)) entries.push([name, instanceOf(properties[name], state, depth + 1)]);
  }
  return Object.fromEntries(entries);
}

function stringOf(s: Schema, state: State): string {
  if (typeof s.format === 'string' && FORMAT_EXAMPLES[s.format] !== undefined) return FORMAT_EXAMPLES[s.format]!;
  let text = '';
  if (!state.messageUsed) {
    state.messageUsed = true;
    text = state.message;
  }
  if (typeof s.maxLength === 'number') text = [...text].slice(0, s.maxLength).join('');
  if (typeof s.minLength === 'number' && text.length < s.minLength) text = text.padEnd(s.minLength, 'x');
  return text;
}

function numberOf(s: Schema, integer: boolean): number {
  let value = 0;
  if (typeof s.minimum === 'number') value = s.minimum;
  if (typeof s.exclusiveMinimum === 'number') value = integer ? Math.floor(s.exclusiveMinimum) + 1 : s.exclusiveMinimum + 1;
  if (typeof s.maximum === 'number' && value > s.maximum && s.minimum === undefined) value = s.maximum;
  return integer ? Math.ceil(value) : value;
}

/** A local `$ref` (`#/$defs/name`, `#/definitions/name`, `#`); anything else is an empty schema. */
function resolveRef(root: Schema, ref: string): unknown {
  if (!ref.startsWith('#')) return {};
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = isSchema(node) ? node[key] : undefined;
  }
  return node ?? {};
}
