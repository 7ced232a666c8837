/**
 * What `--schema SPEC` / `--schema-multi SPEC` name (docs/schemas-and-events.md):
 * JSON Schema text (a word starting with `{`), a `.json` file (read by the
 * executor when the pipeline starts), or the concise form
 * `name, age int, bio: one sentence` — an object with exactly those fields,
 * all required.
 */

/** The JSON Schema types the concise form's TYPE words stand for. */
const CONCISE_TYPES: Record<string, string> = { str: 'string', int: 'integer', float: 'number', bool: 'boolean' };

/** A field name of the concise form: what a jq path can name without quotes, plus `-`. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export type SchemaSpec =
  | { ok: true; kind: 'schema'; schema: Record<string, unknown> }
  | { ok: true; kind: 'file'; path: string }
  | { ok: false; message: string };

/** Reads a SPEC word; a file is only named here (reading it is IO). */
export function parseSchemaSpec(word: string): SchemaSpec {
  const text = word.trim();
  if (text.startsWith('{')) return parseSchemaText(text, 'the schema');
  if (text.endsWith('.json')) return { ok: true, kind: 'file', path: text };
  return conciseSchema(text);
}

/** JSON Schema text (of a SPEC word or a file) as an object; `origin` names it in the error. */
export function parseSchemaText(text: string, origin: string): SchemaSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `${origin} is not valid JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: `${origin} must be a JSON object (a JSON Schema)` };
  return { ok: true, kind: 'schema', schema: value as Record<string, unknown> };
}

/** The concise form: `NAME [TYPE][: description]`, separated by `,` or newlines. */
export function conciseSchema(text: string): SchemaSpec {
  // A Map, so a field called `__proto__` is a field like any other.
  const properties = new Map<string, Record<string, string>>();
  const entries = text.split(/[,\n]/).map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) return { ok: false, message: "'--schema' needs a JSON Schema, a .json file, or fields such as 'name, age int'" };
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const head = (colon === -1 ? entry : entry.slice(0, colon)).trim().split(/\s+/);
    const description = colon === -1 ? '' : entry.slice(colon + 1).trim();
    const [name = '', typeWord = 'str', ...rest] = head;
    if (!FIELD_NAME.test(name)) return { ok: false, message: `schema field '${entry}': a field starts with its name (letters, digits, _ and -)` };
    const type = CONCISE_TYPES[typeWord];
    if (!type || rest.length > 0) return { ok: false, message: `schema field '${entry}': the type is one of str, int, float, bool (a description goes after ':')` };
    if (properties.has(name)) return { ok: false, message: `schema field '${name}' is named twice` };
    properties.set(name, description ? { type, description } : { type });
  }
  return { ok: true, kind: 'schema', schema: { type: 'object', properties: Object.fromEntries(properties), required: [...properties.keys()], additionalProperties: false } };
}
