/**
 * Reading a YAML text into typed values, node by node, so that every problem
 * keeps the line it came from. Readers never throw: they record a problem and
 * return `undefined`, so one pass reports everything wrong with a file.
 */
import type { Document } from 'yaml';

type YamlModule = typeof import('yaml');
let yaml: YamlModule | undefined;

/**
 * Loads the YAML parser. Only a config that exists needs it, and it is a
 * visible part of start-up time, so `aish -c` without a config never loads it.
 * Call (and await) before making a `YamlSource`.
 */
export async function loadYamlParser(): Promise<void> {
  yaml ??= await import('yaml');
}

function parser(): YamlModule {
  if (!yaml) throw new Error('YamlSource used before loadYamlParser()');
  return yaml;
}
import type { ConfigProblem } from './config-error.js';
import { suggestion } from './did-you-mean.js';
import type { Env } from './paths.js';
import { protectReferences, restoreReferences, substituteEnv, unsetReferences } from './substitute.js';

/** One `name: value` of a mapping, with its full dotted key and both nodes (for lines). */
export interface Entry {
  name: string;
  key: string;
  keyNode: unknown;
  value: unknown;
}

/** A string from a list, with its key (`aliases[1]`) and line, for later checks. */
export interface Item {
  value: string;
  key: string;
  line: number | undefined;
}

/** What a number setting accepts, and how the message says it. */
export interface NumberRule {
  min: number;
  max?: number;
  integer?: boolean;
  /** e.g. `a number from 0 to 1`, used as `expected <description>, got …`. */
  description: string;
}

/** Friendlier words for the YAML errors users actually meet. */
const YAML_MESSAGES: Partial<Record<string, string>> = {
  MULTIPLE_DOCS: 'more than one YAML document (a second "---" line); aish reads only one',
  DUPLICATE_KEY: 'this key appears twice in the same mapping',
};

/** Joins a dotted key: `join('server', 'port')` is `server.port`; `join('', 'server')` is `server`. */
export function joinKey(parent: string, name: string): string {
  return parent ? `${parent}.${name}` : name;
}

/** How a value is shown after `got`: strings quoted, collections named. */
export function describeNode(node: unknown): string {
  if (node === null || node === undefined) return 'nothing';
  if (parser().isMap(node)) return 'a mapping';
  if (parser().isSeq(node)) return 'a list';
  if (parser().isScalar(node)) return node.value === null ? 'nothing' : typeof node.value === 'string' ? JSON.stringify(restoreReferences(node.value)) : String(node.value);
  return 'an unsupported value';
}

/** One YAML text (a config file or a Markdown front matter) and the problems found in it. */
export class YamlSource {
  private readonly lines = new (parser().LineCounter)();
  private document: Document.Parsed | undefined;

  /**
   * @param file the file named in problems
   * @param firstLine the file line where `text` starts (front matter starts on line 2)
   */
  constructor(
    readonly file: string,
    private readonly text: string,
    private readonly env: Env,
    readonly problems: ConfigProblem[],
    private readonly firstLine = 1,
  ) {}

  /** The root node, or `undefined` when the text is not valid YAML (the errors are recorded). */
  parse(): unknown {
    const document = parser().parseDocument(protectReferences(this.text), { lineCounter: this.lines, prettyErrors: false });
    this.document = document;
    for (const error of document.errors) {
      const message = YAML_MESSAGES[error.code] ?? restoreReferences(error.message);
      this.problems.push({ file: this.file, line: this.lineAt(error.pos[0]), message: `invalid YAML: ${message}` });
    }
    return document.errors.length > 0 ? undefined : document.contents;
  }

  /** Records a problem at the first of `nodes` that has a place in the text. */
  report(key: string, message: string, ...nodes: unknown[]): void {
    this.problems.push({ file: this.file, line: this.lineOf(...nodes), key, message });
  }

  /** The file line of the first of `nodes` that has a place in the text. */
  lineOf(...nodes: unknown[]): number | undefined {
    for (const node of nodes) {
      const range = (node as { range?: [number, number, number] | null } | null | undefined)?.range;
      if (range) return this.lineAt(range[0]);
    }
    return undefined;
  }

  /** A mapping's entries in file order; an empty value reads as no entries. */
  entries(value: unknown, key: string, at?: unknown): Entry[] | undefined {
    const node = this.resolve(value);
    if (isEmpty(node)) return [];
    if (!parser().isMap(node)) {
      this.report(key, `expected a mapping, got ${describeNode(node)}`, value, at);
      return undefined;
    }
    const entries: Entry[] = [];
    for (const pair of node.items) {
      const keyNode = this.resolve(pair.key);
      if (!parser().isScalar(keyNode) || (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number')) {
        this.report(key, `expected a name as key, got ${describeNode(keyNode)}`, pair.key, pair.value, value);
        continue;
      }
      const name = restoreReferences(String(keyNode.value));
      entries.push({ name, key: joinKey(key, name), keyNode: pair.key, value: pair.value });
    }
    return entries;
  }

  /** Reports every entry whose name is not in `known` (with a did-you-mean) and drops it. */
  knownEntries(entries: Entry[], known: readonly string[], what = 'unknown key'): Entry[] {
    return entries.filter((entry) => {
      if (known.includes(entry.name)) return true;
      this.report(entry.key, `${what}${suggestion(entry.name, known)}`, entry.keyNode);
      return false;
    });
  }

  /** A string with `${NAME}` substituted; an empty value or an empty result counts as not set. */
  string(value: unknown, key: string, at?: unknown): string | undefined {
    const node = this.resolve(value);
    if (isEmpty(node)) return undefined;
    if (parser().isScalar(node) && typeof node.value === 'string') {
      const text = this.substitute(node.value, key, value, at);
      return text?.value === '' ? undefined : text?.value;
    }
    const hint = parser().isScalar(node) ? ' (put it in quotes)' : '';
    this.report(key, `expected a string, got ${describeNode(node)}${hint}`, value, at);
    return undefined;
  }

  /** The `${NAME}` references of a string whose variables are unset or empty (why it came out empty). */
  unsetVariables(value: unknown): string[] {
    const node = this.resolve(value);
    if (!parser().isScalar(node) || typeof node.value !== 'string') return [];
    return unsetReferences(restoreReferences(node.value), this.env);
  }

  /** A number within `rule`; a string that `${NAME}` turned into digits counts as that number. */
  number(value: unknown, key: string, rule: NumberRule, at?: unknown): number | undefined {
    const node = this.resolve(value);
    if (isEmpty(node)) return undefined;
    let result: unknown = parser().isScalar(node) ? node.value : undefined;
    let shown = describeNode(node);
    if (parser().isScalar(node) && typeof node.value === 'string') {
      const text = this.substitute(node.value, key, value, at);
      if (text === undefined || (text.substituted && text.value.trim() === '')) return undefined;
      shown = substitutedShown(node.value, text);
      if (text.substituted && /^\s*-?\d+(\.\d+)?\s*$/.test(text.value)) result = Number(text.value);
    }
    const fits = typeof result === 'number' && Number.isFinite(result) && result >= rule.min && (rule.max === undefined || result <= rule.max);
    if (fits && (!rule.integer || Number.isInteger(result))) return result as number;
    this.report(key, `expected ${rule.description}, got ${shown}`, value, at);
    return undefined;
  }

  /** `true` or `false` (also as the result of `${NAME}`). */
  boolean(value: unknown, key: string, at?: unknown): boolean | undefined {
    const node = this.resolve(value);
    if (isEmpty(node)) return undefined;
    if (parser().isScalar(node) && typeof node.value === 'boolean') return node.value;
    let shown = describeNode(node);
    if (parser().isScalar(node) && typeof node.value === 'string') {
      const text = this.substitute(node.value, key, value, at);
      if (text === undefined || (text.substituted && text.value.trim() === '')) return undefined;
      if (text.substituted && /^\s*(true|false)\s*$/.test(text.value)) return text.value.trim() === 'true';
      shown = substitutedShown(node.value, text);
    }
    this.report(key, `expected true or false, got ${shown}`, value, at);
    return undefined;
  }

  /** A list of strings (each substituted), each with its own key and line. */
  items(value: unknown, key: string, at?: unknown): Item[] | undefined {
    const node = this.resolve(value);
    if (isEmpty(node)) return [];
    if (!parser().isSeq(node)) {
      this.report(key, `expected a list of strings, got ${describeNode(node)}`, value, at);
      return undefined;
    }
    const items: Item[] = [];
    node.items.forEach((itemNode, index) => {
      const itemKey = `${key}[${index}]`;
      const text = this.string(itemNode, itemKey, value);
      if (text !== undefined) items.push({ value: text, key: itemKey, line: this.lineOf(itemNode, value) });
      else if (isEmpty(this.resolve(itemNode))) this.report(itemKey, 'expected a string, got nothing', itemNode, value);
    });
    return items;
  }

  private substitute(text: string, key: string, ...nodes: unknown[]): { value: string; substituted: boolean } | undefined {
    const result = substituteEnv(restoreReferences(text), this.env);
    if (result.ok) return result;
    this.report(key, result.message, ...nodes);
    return undefined;
  }

  /** Follows `*alias` to its anchored node, so anchors work anywhere a value does. */
  private resolve(value: unknown): unknown {
    return parser().isAlias(value) && this.document ? value.resolve(this.document) : value;
  }

  private lineAt(offset: number): number {
    return this.lines.linePos(offset).line + this.firstLine - 1;
  }
}

/** `"x80" (from ${PORT})`: a bad value that came from the environment says where from. */
function substitutedShown(original: string, text: { value: string; substituted: boolean }): string {
  return text.substituted ? `${JSON.stringify(text.value)} (from ${restoreReferences(original)})` : JSON.stringify(text.value);
}

function isEmpty(node: unknown): boolean {
  return node === null || node === undefined || (parser().isScalar(node) && node.value === null);
}
