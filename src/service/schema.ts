/**
 * Typed answers (`schema` in a message, `--schema` on a stage): the model is
 * asked for JSON with its provider's own mechanism, the answer is validated
 * with ajv (draft 2020-12, or draft-07 when the schema says so), an invalid
 * answer gets one repair call showing the model its answer and the errors,
 * and one still invalid ends as SCHEMA_MISMATCH. Nothing of an answer is
 * passed on before it is valid, so a caller never shows a wrong one.
 *
 * Loaded on the first typed call: ajv is large, and most runs never need it.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as formatsModule from 'ajv-formats';
import { AishError, type StreamEvent, type TokensUsed } from '../protocol/index.js';
import { MULTI_FIELD, VALUE_FIELD, type ModelMessage, type ResponseFormat } from '../providers/index.js';

/** What a typed call asks for. */
export interface TypedRequest {
  schema: Record<string, unknown>;
  multi: boolean;
}

/** At most this many validation errors are shown (the rest are in `details.errors`). */
const SHOWN_ERRORS = 5;
/** Compiled validators kept, by schema text: a server sees the same few schemas again and again. */
const CACHE_SIZE = 200;

type AddFormats = ((ajv: Ajv | Ajv2020) => unknown) & { default?: AddFormats };
// ajv-formats is CommonJS whose `module.exports` is the plugin and also has it as
// `.default`; which of the two an ESM default import gives depends on the loader.
const formatsExport = (formatsModule as unknown as { default: AddFormats }).default;
const addFormats: AddFormats = formatsExport.default ?? formatsExport;

let draft2020: Ajv2020 | undefined;
let draft07: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

/** The validator for a schema, compiled once; an invalid schema is BAD_REQUEST. */
export function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  const cached = compiled.get(key);
  if (cached) return cached;
  const older = typeof schema.$schema === 'string' && /draft-0[4-7]/.test(schema.$schema);
  const ajv = older ? (draft07 ??= withFormats(new Ajv({ allErrors: true, strict: false }))) : (draft2020 ??= withFormats(new Ajv2020({ allErrors: true, strict: false })));
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new AishError('BAD_REQUEST', `the schema is not a valid JSON Schema: ${(error as Error).message}`, { field: 'schema' });
  }
  if (compiled.size >= CACHE_SIZE) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, validate);
  return validate;
}

function withFormats<T extends Ajv | Ajv2020>(ajv: T): T {
  addFormats(ajv);
  return ajv;
}

/**
 * The schema the model is asked for. Providers want an object at the top, so
 * a list is wrapped as `{"items": [...]}` and any other non-object as
 * `{"value": …}`; the schema's `$defs`/`definitions` move up to the wrapper
 * so its local `$ref`s still resolve.
 */
export function responseFormatFor(typed: TypedRequest): ResponseFormat {
  const isObject = typed.schema.type === 'object' || (typed.schema.type === undefined && typeof typed.schema.properties === 'object');
  if (!typed.multi && isObject) return { name: 'answer', schema: typed.schema, multi: false };
  const field = typed.multi ? MULTI_FIELD : VALUE_FIELD;
  const { $defs, definitions, $schema, ...inner } = typed.schema;
  const wrapper: Record<string, unknown> = {
    type: 'object',
    properties: { [field]: typed.multi ? { type: 'array', items: inner } : inner },
    required: [field],
    additionalProperties: false,
  };
  if ($schema !== undefined) wrapper.$schema = $schema;
  if ($defs !== undefined) wrapper.$defs = $defs;
  if (definitions !== undefined) wrapper.definitions = definitions;
  return { name: typed.multi ? 'answers' : 'answer', schema: wrapper, multi: typed.multi, field };
}

export type Checked = { ok: true; data: unknown; content: string } | { ok: false; errors: string[] };

/**
 * An answer's text checked against the schema: the value and its compact
 * JSON (a list: one item per line), or the errors as `/json/pointer: message`.
 */
export function checkAnswer(text: string, typed: TypedRequest, format: ResponseFormat = responseFormatFor(typed), validate: ValidateFunction = validatorFor(format.schema)): Checked {
  let value: unknown;
  try {
    value = JSON.parse(withoutFence(text));
  } catch (error) {
    return { ok: false, errors: [`/: the answer is not JSON (${(error as Error).message})`] };
  }
  if (!validate(value)) return { ok: false, errors: (validate.errors ?? []).map((error) => describe(error, format.field)) };
  const data = format.field === undefined ? value : (value as Record<string, unknown>)[format.field];
  if (!format.multi) return { ok: true, data, content: JSON.stringify(data) };
  const items = data as unknown[];
  return { ok: true, data: items, content: items.map((item) => JSON.stringify(item)).join('\n') };
}

/** Models sometimes fence JSON in Markdown even when asked for JSON; the fence is not part of the answer. */
function withoutFence(text: string): string {
  const fenced = /^\s*```[a-zA-Z]*\n([\s\S]*?)\n```\s*$/.exec(text);
  return fenced ? fenced[1]! : text;
}

/** One ajv error as `/path: message`; paths start inside the wrapper (a list's at the item: `/0/age`). */
function describe(error: ErrorObject, field: string | undefined): string {
  let path = error.instancePath;
  if (field !== undefined) path = path.replace(new RegExp(`^/${field}(?=/|$)`), '');
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties') message += ` ('${(error.params as { additionalProperty: string }).additionalProperty}')`;
  if (error.keyword === 'enum') message += ` (${(error.params as { allowedValues: unknown[] }).allowedValues.map((value) => JSON.stringify(value)).join(', ')})`;
  return `${path || '/'}: ${message}`;
}

/** The repair request: the model sees its answer (already in the conversation) and what is wrong with it. */
export function repairPrompt(errors: string[]): string {
  return [
    'Your answer does not match the required JSON Schema:',
    ...errors.map((error) => `- ${error}`),
    'Answer again with only the corrected JSON, matching the schema exactly.',
  ].join('\n');
}

/** One model call with the messages and format given: the service's own answer stream. */
export type Attempt = (messages: ModelMessage[], format: ResponseFormat) => AsyncIterable<StreamEvent>;

/** Fields a caller adds to a `done` event (a session's `session_id` and `message_count`, say). */
export type DoneFields = Partial<Extract<StreamEvent, { type: 'done' }>>;

/** Called once the answer is valid, with its JSON text (a session stores it here, asynchronously); returns fields for `done`. */
export type TypedDone = (content: string, tokens: TokensUsed, specialistId: string) => DoneFields | Promise<DoneFields>;

/**
 * A typed answer: `start`, then (once valid) one `content` with the compact
 * JSON and `done` with `data`; or `error` SCHEMA_MISMATCH after one repair.
 * Tokens are those of both calls. A failure before `start` is thrown.
 */
export async function* typedAnswer(typed: TypedRequest, messages: ModelMessage[], attempt: Attempt, onDone?: TypedDone): AsyncIterable<StreamEvent> {
  const format = responseFormatFor(typed);
  const validate = validatorFor(format.schema);
  const tokens = { input: 0, output: 0 };
  let conversation = messages;
  let started = false;
  for (let round = 0; round < 2; round++) {
    let text = '';
    let done: Extract<StreamEvent, { type: 'done' }> | undefined;
    try {
      for await (const event of attempt(conversation, format)) {
        if (event.type === 'start') {
          if (!started) yield event;
          started = true;
        } else if (event.type === 'content') text += event.data;
        else if (event.type === 'error') {
          yield event;
          return;
        } else if (event.type === 'done') done = event;
        else yield event;
      }
    } catch (error) {
      // The repair call could not start (its breaker opened, say): the answer ends with that error.
      if (!started) throw error;
      const failure = error instanceof AishError ? error : new AishError('INTERNAL', (error as Error).message);
      yield { type: 'error', code: failure.code, message: failure.message };
      return;
    }
    if (!done) return; // cancelled
    tokens.input += done.tokens_used.input;
    tokens.output += done.tokens_used.output;
    const checked = checkAnswer(text, typed, format, validate);
    if (checked.ok) {
      yield { type: 'content', data: checked.content, specialist_id: done.specialist_id };
      const extra = onDone ? await onDone(checked.content, tokens, done.specialist_id) : {};
      yield { ...done, tokens_used: tokens, data: checked.data, ...extra };
      return;
    }
    if (round === 1) {
      const shown = checked.errors.slice(0, SHOWN_ERRORS).join('; ');
      const more = checked.errors.length > SHOWN_ERRORS ? ` (and ${checked.errors.length - SHOWN_ERRORS} more)` : '';
      yield { type: 'error', code: 'SCHEMA_MISMATCH', message: `the answer does not match the schema: ${shown}${more}`, details: { errors: checked.errors, answer: text } };
      return;
    }
    conversation = [...messages, { role: 'assistant', content: text }, { role: 'user', content: repairPrompt(checked.errors) }];
  }
}
