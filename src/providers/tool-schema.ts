/**
 * A tool's input schema as providers take it. MCP servers may describe a
 * tool's input with any JSON Schema, but OpenAI, Anthropic and Ollama want an
 * object schema at the top: `type: "object"`, and (Anthropic says so in its
 * 400) no `anyOf`/`oneOf`/`allOf` there. Such a schema would fail the whole
 * request, so it is offered in the closest form they take; the MCP server
 * still checks the arguments it gets, and a refusal goes back to the model.
 */
import { isObject } from './decode.js';

const COMBINATORS = ['anyOf', 'oneOf', 'allOf'] as const;

/**
 * The schema with `type: "object"` at the top, the branches of a top-level
 * `anyOf`/`oneOf`/`allOf` folded into its `properties` (a property in several
 * branches keeps its first form; only the top level's own `required` stays
 * required), and `$schema` left out (it names a dialect; the providers read
 * their own). A schema that needs none of this is returned as it is.
 */
export function toolInputSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const combined = COMBINATORS.some((key) => key in schema);
  if (!combined && schema.type === 'object' && !('$schema' in schema)) return schema;
  const { $schema: _dialect, anyOf: _any, oneOf: _one, allOf: _all, ...rest } = schema;
  const properties: Record<string, unknown> = { ...(isObject(rest.properties) ? rest.properties : {}) };
  for (const key of COMBINATORS) {
    const branches = schema[key];
    if (!Array.isArray(branches)) continue;
    for (const branch of branches) {
      if (!isObject(branch) || !isObject(branch.properties)) continue;
      for (const [name, property] of Object.entries(branch.properties)) if (!(name in properties)) properties[name] = property;
    }
  }
  return { ...rest, type: 'object', ...((combined || isObject(rest.properties)) && { properties }) };
}
