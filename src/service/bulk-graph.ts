/**
 * The bulk request (docs/protocol.md, Bulk): its shape, checked field by field
 * (`BAD_REQUEST` naming the field), and its dependency graph, checked before
 * anything runs (`INVALID_GRAPH` naming the problem).
 */
import { AishError, type BulkOperation, type BulkRequest } from '../protocol/index.js';

/** At most this many operations in one bulk request. */
export const MAX_OPERATIONS = 1000;

/** A checked graph: each operation's dependencies and dependants, by index in the request. */
export interface BulkGraph {
  operations: BulkOperation[];
  dependencies: number[][];
  dependants: number[][];
}

/** `{name}` in a message: a placeholder when `name` is an operation id of the request. */
const PLACEHOLDER = /\{([^{}]+)\}/g;

/** The request's shape, checked; `BAD_REQUEST` names the first wrong field. */
export function parseBulkRequest(value: unknown): BulkRequest {
  const body = object(value, 'the request body');
  const operations = body.operations;
  if (!Array.isArray(operations)) throw badField('operations', "'operations' must be an array of operations");
  // Size first: a huge list is refused before each entry is looked at.
  checkSize(operations.length);
  const request: BulkRequest = { operations: operations.map(parseOperation) };
  const execution = body.execution;
  if (execution !== undefined && execution !== null) {
    if (execution !== 'parallel' && execution !== 'sequential') throw badField('execution', "'execution' must be 'parallel' or 'sequential'");
    request.execution = execution;
  }
  const timeout = body.timeout;
  if (timeout !== undefined && timeout !== null) {
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0 || timeout > 86_400) {
      throw badField('timeout', "'timeout' must be a number of seconds above 0, at most 86400");
    }
    request.timeout = timeout;
  }
  const maxParallel = body.max_parallel;
  if (maxParallel !== undefined && maxParallel !== null) {
    if (typeof maxParallel !== 'number' || !Number.isInteger(maxParallel) || maxParallel < 1 || maxParallel > MAX_OPERATIONS) {
      throw badField('max_parallel', `'max_parallel' must be a whole number from 1 to ${MAX_OPERATIONS}`);
    }
    request.max_parallel = maxParallel;
  }
  const stream = body.stream;
  if (stream !== undefined && stream !== null) {
    if (typeof stream !== 'boolean') throw badField('stream', "'stream' must be true or false");
    request.stream = stream;
  }
  return request;
}

function parseOperation(value: unknown, index: number): BulkOperation {
  const where = `operations[${index}]`;
  const operation = object(value, `'${where}'`, where);
  const id = nonEmptyString(operation, 'id', where);
  const ai = nonEmptyString(operation, 'ai', where);
  const message = operation.message;
  if (typeof message !== 'string' || message === '') throw badField(`${where}.message`, `'${where}.message' must be a non-empty string`);
  const parsed: BulkOperation = { id, ai, message };
  const dependsOn = operation.depends_on;
  if (dependsOn !== undefined && dependsOn !== null) {
    const field = `${where}.depends_on`;
    if (!Array.isArray(dependsOn) || dependsOn.some((entry) => typeof entry !== 'string' || entry === '')) {
      throw badField(field, `'${field}' must be an array of operation ids (non-empty strings)`);
    }
    parsed.depends_on = dependsOn as string[];
  }
  if (operation.schema !== undefined && operation.schema !== null) parsed.schema = object(operation.schema, `'${where}.schema'`, `${where}.schema`);
  const multi = operation.schema_multi;
  if (multi !== undefined && multi !== null) {
    if (typeof multi !== 'boolean' || (multi && parsed.schema === undefined)) throw badField(`${where}.schema_multi`, `'${where}.schema_multi' must be true or false, and true needs a schema`);
    if (multi) parsed.schema_multi = true;
  }
  return parsed;
}

/**
 * The dependency graph, checked: at least one and at most 1,000 operations,
 * unique ids, known dependencies, every `{opN}` placeholder listed in
 * `depends_on`, and no cycle. Throws `INVALID_GRAPH` naming the problem.
 */
export function checkGraph(operations: BulkOperation[]): BulkGraph {
  checkSize(operations.length);
  const indexOf = new Map<string, number>();
  operations.forEach((operation, index) => {
    if (indexOf.has(operation.id)) throw invalidGraph(`duplicate operation id '${operation.id}'`, { operation: operation.id });
    indexOf.set(operation.id, index);
  });
  const dependencies = operations.map((operation) => {
    const listed = [...new Set(operation.depends_on ?? [])];
    for (const dependency of listed) {
      if (!indexOf.has(dependency)) {
        throw invalidGraph(`operation '${operation.id}' depends on unknown operation '${dependency}'`, { operation: operation.id, depends_on: dependency });
      }
    }
    checkPlaceholders(operation, listed, indexOf);
    return listed.map((dependency) => indexOf.get(dependency)!);
  });
  const cycle = findCycle(dependencies);
  if (cycle) {
    const names = cycle.map((index) => operations[index]!.id);
    throw invalidGraph(`dependency cycle: ${names.join(' → ')}`, { cycle: names });
  }
  const dependants: number[][] = operations.map(() => []);
  dependencies.forEach((list, index) => list.forEach((dependency) => dependants[dependency]!.push(index)));
  return { operations, dependencies, dependants };
}

function checkSize(count: number): void {
  if (count === 0) throw invalidGraph("'operations' is empty: a bulk request needs at least one operation");
  if (count > MAX_OPERATIONS) throw invalidGraph(`too many operations: ${count} (at most ${MAX_OPERATIONS.toLocaleString('en-US')})`, { count });
}

/** Every `{name}` naming an operation of the request must name one this operation depends on. */
function checkPlaceholders(operation: BulkOperation, dependencies: string[], ids: Map<string, number>): void {
  for (const name of placeholderNames(operation.message)) {
    if (!ids.has(name)) continue;
    if (name === operation.id) throw invalidGraph(`operation '${operation.id}' uses its own response {${name}}`, { operation: operation.id, placeholder: name });
    if (!dependencies.includes(name)) {
      throw invalidGraph(`operation '${operation.id}' uses {${name}} but does not list '${name}' in depends_on`, { operation: operation.id, placeholder: name });
    }
  }
}

function placeholderNames(message: string): string[] {
  return [...message.matchAll(PLACEHOLDER)].map((match) => match[1]!);
}

/**
 * The message with each `{id}` of a finished dependency replaced by its
 * response, in one pass (responses are not re-scanned). Its size is counted
 * before it is built: over `maxBytes` (UTF-8) it is `PAYLOAD_TOO_LARGE`.
 */
export function substitute(message: string, responses: ReadonlyMap<string, string>, maxBytes = Number.POSITIVE_INFINITY): string {
  let bytes = Buffer.byteLength(message);
  for (const match of message.matchAll(PLACEHOLDER)) {
    const response = responses.get(match[1]!);
    if (response !== undefined) bytes += Buffer.byteLength(response) - Buffer.byteLength(match[0]);
  }
  if (bytes > maxBytes) {
    throw new AishError('PAYLOAD_TOO_LARGE', `the message would be ${bytes} bytes once its {…} placeholders are replaced, more than the limit of ${maxBytes} bytes`, {
      bytes,
      max_bytes: maxBytes,
    });
  }
  return message.replace(PLACEHOLDER, (whole, name: string) => responses.get(name) ?? whole);
}

/**
 * A cycle as a path that starts and ends at the same operation (`[a, b, a]`),
 * or undefined. Depth-first and iterative, so 1,000 chained operations do
 * not exhaust the call stack.
 */
function findCycle(dependencies: number[][]): number[] | undefined {
  const state = new Uint8Array(dependencies.length); // 0 unseen, 1 on the path, 2 done
  for (let root = 0; root < dependencies.length; root++) {
    if (state[root] !== 0) continue;
    const path: number[] = [root];
    const next: number[] = [0];
    state[root] = 1;
    while (path.length > 0) {
      const node = path.at(-1)!;
      const position = next.at(-1)!;
      const dependency = dependencies[node]![position];
      if (dependency === undefined) {
        state[node] = 2;
        path.pop();
        next.pop();
        continue;
      }
      next[next.length - 1] = position + 1;
      if (state[dependency] === 1) return [...path.slice(path.indexOf(dependency)), dependency];
      if (state[dependency] === 0) {
        state[dependency] = 1;
        path.push(dependency);
        next.push(0);
      }
    }
  }
  return undefined;
}

function object(value: unknown, what: string, field?: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AishError('BAD_REQUEST', `${what} must be a JSON object`, field === undefined ? undefined : { field });
  }
  return value as Record<string, unknown>;
}

function nonEmptyString(body: Record<string, unknown>, field: string, where: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') throw badField(`${where}.${field}`, `'${where}.${field}' must be a non-empty string`);
  return value;
}

function badField(field: string, message: string): AishError {
  return new AishError('BAD_REQUEST', message, { field });
}

function invalidGraph(message: string, details?: Record<string, unknown>): AishError {
  return new AishError('INVALID_GRAPH', message, details);
}
