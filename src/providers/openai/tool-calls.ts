/**
 * Reading OpenAI's tool calls: streamed pieces joined into whole calls, and
 * the calls of a whole answer.
 */
import { DecodeError, isObject } from '../decode.js';
import type { ToolCall } from '../provider.js';
import type { OpenAiToolCallDelta } from './api-types.js';

/**
 * Joins the `delta.tool_calls` pieces of a stream. Pieces of one call share an
 * `index`; the first carries the call's `id` and `function.name`, later ones
 * more `function.arguments` text. Some compatible servers give every call of a
 * batch index 0 and tell them apart only by a new `id` (and others send a new
 * id with every piece), so a new id at a known index starts a new call only
 * when it names a function and the call before it has whole JSON arguments.
 */
export class OpenAiToolCallAssembler {
  private readonly calls: { id?: string; name: string; pieces: string[] }[] = [];
  /** The call each wire index currently feeds. */
  private readonly byIndex = new Map<number, number>();

  add(deltas: unknown): void {
    if (deltas === undefined || deltas === null) return;
    if (!Array.isArray(deltas)) throw new DecodeError('delta.tool_calls is not an array');
    for (const delta of deltas) this.addOne(delta);
  }

  /** Whether any call has started. */
  get started(): boolean {
    return this.calls.length > 0;
  }

  /** The calls, whole, in the order they started; a call the server gave no id gets `call_N`. */
  finish(): ToolCall[] {
    return this.calls.map((call, position) => {
      if (call.name === '') throw new DecodeError(`tool call ${position + 1} has no function name`);
      return { id: call.id ?? `call_${position + 1}`, name: call.name, arguments: call.pieces.join('') };
    });
  }

  private addOne(delta: unknown): void {
    if (!isObject(delta)) throw new DecodeError('a tool call piece is not an object');
    const { index = 0, id, function: fn } = delta as OpenAiToolCallDelta;
    if (typeof index !== 'number') throw new DecodeError('a tool call piece has no numeric index');
    let position = this.byIndex.get(index);
    const known = position === undefined ? undefined : this.calls[position];
    if (!known || startsAnotherCall(known, id, fn)) {
      position = this.calls.push({ name: '', pieces: [] }) - 1;
      this.byIndex.set(index, position);
    }
    const call = this.calls[position!]!;
    if (typeof id === 'string' && id !== '') call.id ??= id;
    if (isObject(fn)) {
      if (typeof fn.name === 'string' && fn.name !== '') call.name = fn.name;
      if (typeof fn.arguments === 'string') call.pieces.push(fn.arguments);
      else if (fn.arguments !== undefined && fn.arguments !== null) throw new DecodeError('function.arguments of a tool call piece is not a string');
    }
  }
}

function startsAnotherCall(known: { id?: string; pieces: string[] }, id: unknown, fn: unknown): boolean {
  if (typeof id !== 'string' || id === '' || known.id === undefined || id === known.id) return false;
  if (!isObject(fn) || typeof fn.name !== 'string' || fn.name === '') return false;
  try {
    JSON.parse(known.pieces.join(''));
    return true;
  } catch {
    return false;
  }
}

/** The `message.tool_calls` of a whole answer. */
export function readOpenAiToolCalls(value: unknown): ToolCall[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new DecodeError('message.tool_calls is not an array');
  return value.map((call, position) => {
    const fn = isObject(call) && isObject(call.function) ? call.function : undefined;
    if (!fn || typeof fn.name !== 'string' || fn.name === '') throw new DecodeError(`tool call ${position + 1} has no function name`);
    if (fn.arguments !== undefined && typeof fn.arguments !== 'string') throw new DecodeError(`tool call ${position + 1}'s arguments are not a string`);
    const id = isObject(call) && typeof call.id === 'string' && call.id !== '' ? call.id : `call_${position + 1}`;
    return { id, name: fn.name, arguments: (fn.arguments as string | undefined) ?? '' };
  });
}
