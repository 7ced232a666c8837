/**
 * Checking a session export read from a file before it goes near the
 * database: every problem is a `BAD_IMPORT` naming the field, and what comes
 * out holds only the fields the store knows.
 */
import type { MessageRecord, SessionExport, SessionRecord } from './records.js';
import { StoreError } from './store-error.js';

type Fields = Record<string, unknown>;

/** Returns `data` as a `SessionExport`, or throws `BAD_IMPORT` naming the first field that is wrong. */
export function parseSessionExport(data: unknown): SessionExport {
  const document = object(data, 'document');
  if (document.format !== 'aish-session') fail('format', '"aish-session"', document.format);
  if (document.version !== 1) fail('version', '1 (the only export version this aish reads)', document.version);
  const messages = document.messages;
  if (!Array.isArray(messages)) fail('messages', 'a list', messages);
  return {
    format: 'aish-session',
    version: 1,
    session: sessionRecord(object(document.session, 'session')),
    messages: messages.map((message, index) => messageRecord(object(message, `messages[${index}]`), `messages[${index}]`)),
  };
}

function sessionRecord(session: Fields): SessionRecord {
  const metadata = session.metadata ?? {};
  return {
    id: text(session.id, 'session.id'),
    name: session.name === undefined || session.name === null ? null : text(session.name, 'session.name'),
    specialist_id: text(session.specialist_id, 'session.specialist_id'),
    context_window: count(session.context_window, 'session.context_window'),
    ttl_s: count(session.ttl_s, 'session.ttl_s'),
    metadata: object(metadata, 'session.metadata'),
    created_at: count(session.created_at, 'session.created_at'),
    last_activity: count(session.last_activity, 'session.last_activity'),
    expires_at: count(session.expires_at, 'session.expires_at'),
  };
}

function messageRecord(message: Fields, field: string): MessageRecord {
  const role = message.role;
  if (role !== 'user' && role !== 'assistant') fail(`${field}.role`, '"user" or "assistant"', role);
  if (typeof message.content !== 'string') fail(`${field}.content`, 'a string', message.content);
  return {
    role,
    content: message.content,
    timestamp: count(message.timestamp, `${field}.timestamp`),
    tokens_input: optional(message.tokens_input, `${field}.tokens_input`, count),
    tokens_output: optional(message.tokens_output, `${field}.tokens_output`, count),
    specialist_id: optional(message.specialist_id, `${field}.specialist_id`, text),
  };
}

function object(value: unknown, field: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'a JSON object', value);
  return value as Fields;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') fail(field, 'a non-empty string', value);
  return value;
}

function count(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) fail(field, 'a whole number ≥ 0', value);
  return value as number;
}

function optional<T>(value: unknown, field: string, read: (value: unknown, field: string) => T): T | null {
  return value === undefined || value === null ? null : read(value, field);
}

function fail(field: string, expected: string, value: unknown): never {
  throw new StoreError('BAD_IMPORT', `not a session export: ${field}: expected ${expected}, got ${describe(value)}`, { field });
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'an object';
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return shown.length > 40 ? `${shown.slice(0, 39)}…` : shown;
}
