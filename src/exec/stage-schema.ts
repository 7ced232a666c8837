/**
 * `--schema SPEC` / `--schema-multi SPEC` of an AI stage, `@cap` stage or
 * fan-out, made into the JSON Schema object sent with the message. A `.json`
 * file is read here; a missing or invalid one stops the whole pipeline before
 * any of its stages runs ({@link schemaProblem}), naming the file.
 */
import { parseAiArgs, parseSchemaSpec, parseSchemaText, type StepPlan } from '../plan/index.js';
import { readTextFile } from '../protocol/index.js';

export type LoadedSchema = { ok: true; schema: Record<string, unknown>; multi: boolean } | { ok: false; message: string };

/** The schema a SPEC word names. */
export function loadSchema(spec: string, multi: boolean): LoadedSchema {
  const parsed = parseSchemaSpec(spec);
  if (!parsed.ok) return parsed;
  if (parsed.kind === 'schema') return { ok: true, schema: parsed.schema, multi };
  let text: string;
  try {
    text = readTextFile(parsed.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    return { ok: false, message: `${parsed.path}: cannot read the schema file: ${why}` };
  }
  const read = parseSchemaText(text, parsed.path);
  return read.ok && read.kind === 'schema' ? { ok: true, schema: read.schema, multi } : { ok: false, message: read.ok ? `${parsed.path}: not a schema` : read.message };
}

/** The schema a stage's expanded words ask for; undefined when they ask for none (or their flags are wrong, which the stage reports). */
export function stageSchema(args: readonly string[]): LoadedSchema | undefined {
  const parsed = parseAiArgs(args);
  if (!parsed.ok || !parsed.options.schema) return undefined;
  return loadSchema(parsed.options.schema.spec, parsed.options.schema.multi);
}

/** What stops a pipeline before it starts: a stage whose schema cannot be loaded, as `aish: LABEL: message`. */
export function schemaProblem(step: StepPlan, args: readonly string[], label: string): string | undefined {
  if (step.kind !== 'ai' && step.kind !== 'route' && step.kind !== 'fanout') return undefined;
  const loaded = stageSchema(args);
  return loaded && !loaded.ok ? `aish: ${label}: ${loaded.message}` : undefined;
}

/** A stage's schema as `--dry-run` shows it: the JSON Schema (compact) and whether it is a list, or why it cannot be loaded. */
export function explainedSchema(step: StepPlan, args: readonly string[]): { multi: boolean; schema?: Record<string, unknown>; error?: string } | undefined {
  if (step.kind !== 'ai' && step.kind !== 'route' && step.kind !== 'fanout') return undefined;
  const parsed = parseAiArgs(args);
  if (!parsed.ok || !parsed.options.schema) return undefined;
  const { multi } = parsed.options.schema;
  const loaded = loadSchema(parsed.options.schema.spec, multi);
  return loaded.ok ? { multi, schema: loaded.schema } : { multi, error: loaded.message };
}

/** The text `--dry-run` adds to a typed stage's line. */
export function schemaNote(step: StepPlan, args: readonly string[]): string {
  const explained = explainedSchema(step, args);
  if (!explained) return '';
  const what = explained.multi ? 'schema (multi: a list, one JSON value per line)' : 'schema';
  return explained.error !== undefined ? `; ${what}: error: ${explained.error}` : `; ${what}: ${JSON.stringify(explained.schema)}`;
}
