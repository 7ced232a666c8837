/**
 * Word expansion at run time (language.md §9): variables (shell variables,
 * then the environment), positional and special parameters, `~`, `$(…)`
 * (its output without the trailing newlines) and `$((…))`. An unquoted
 * `$VAR` is never split, but an empty one gives no word; an unquoted `$(…)`
 * is split on blanks and newlines; `$@` and `"$@"` give one word per
 * argument. Unquoted `*`, `?` and `[…]` then expand to file names (a pattern
 * that matches nothing stays as written); quoted text never globs.
 */
import { homedir } from 'node:os';
import type { Script, Word, WordPart } from '../plan/index.js';
import { ArithmeticError, evaluateArithmetic } from './arithmetic.js';
import type { ExecContext } from './context.js';
import { expandGlob, hasPattern } from './glob.js';
import { assignVariable, checkSet, ScriptError, variableValue } from './variables.js';

/** Runs a nested script with its stdout captured (provided by run.ts, to avoid a cycle). */
export type CaptureRunner = (script: Script, context: ExecContext) => Promise<string>;

export function lookupVariable(name: string, context: ExecContext): string {
  const { state } = context;
  checkSet(name, context);
  switch (name) {
    case '?':
      return String(state.lastStatus);
    case '#':
      return String(state.positional.length);
    case '@':
    case '*':
      return state.positional.join(' ');
    case '$':
      return String(process.pid);
    case '!':
      return state.lastBackgroundPid === undefined ? '' : String(state.lastBackgroundPid);
    case '0':
      return state.scriptName;
  }
  if (/^[0-9]+$/.test(name)) return state.positional[Number(name) - 1] ?? '';
  return variableValue(name, state) ?? '';
}

function home(context: ExecContext): string {
  return context.state.environment.get('HOME') || homedir();
}

/** Expands a word that has no `$(…)` (a command name); undefined when it has one. */
export function expandWordSync(word: Word, context: ExecContext): string | undefined {
  let out = '';
  for (const part of word.parts) {
    const text = expandPartSync(part, context);
    if (text === undefined) return undefined;
    out += text;
  }
  return out;
}

function expandPartSync(part: WordPart, context: ExecContext): string | undefined {
  switch (part.kind) {
    case 'text':
    case 'glob':
      return part.value;
    case 'variable':
      return lookupVariable(part.name, context);
    case 'tilde':
      return home(context);
    case 'substitution':
      return undefined;
    case 'arithmetic': {
      const inner = part.parts.map((innerPart) => expandPartSync(innerPart, context));
      return inner.includes(undefined) ? undefined : arithmetic(inner.join(''), context);
    }
  }
}

async function expandPart(part: WordPart, context: ExecContext, capture: CaptureRunner): Promise<string> {
  if (part.kind === 'substitution') return (await capture(part.script, context)).replace(/\n+$/, '');
  if (part.kind === 'arithmetic') {
    let text = '';
    for (const inner of part.parts) text += await expandPart(inner, context, capture);
    return arithmetic(text, context);
  }
  return expandPartSync(part, context)!;
}

function arithmetic(text: string, context: ExecContext): string {
  try {
    return evaluateArithmetic(text, {
      get: (name) => lookupVariable(name, context),
      set: (name, value) => assignVariable(name, value, context.state),
    });
  } catch (error) {
    if (error instanceof ArithmeticError) throw new ScriptError(`$((${text.trim()})): ${error.message}`);
    throw error;
  }
}

/** A word as one string: no splitting, no globbing (assignment values, here-strings, messages). */
export async function expandWord(word: Word, context: ExecContext, capture: CaptureRunner): Promise<string> {
  let out = '';
  for (const part of word.parts) out += await expandPart(part, context, capture);
  return out;
}

/**
 * A redirect target: globbed when the pattern matches exactly one file (as
 * bash's default mode does), else as written.
 */
export async function expandTarget(word: Word, context: ExecContext, capture: CaptureRunner): Promise<string> {
  const [field] = await fieldsOf(word, context, capture);
  if (!field) return '';
  if (!field.active || !hasPattern(field.pattern)) return field.text;
  const matches = expandGlob(field.pattern, process.cwd());
  return matches.length === 1 ? matches[0]! : field.text;
}

/** Words as the arguments they become: split, globbed, empty unquoted expansions dropped. */
export async function expandWords(words: readonly Word[], context: ExecContext, capture: CaptureRunner, glob = true): Promise<string[]> {
  const out: string[] = [];
  for (const word of words) {
    const only = word.parts.length === 1 ? word.parts[0]! : undefined;
    if (only?.kind === 'variable' && only.name === '@') {
      out.push(...context.state.positional);
      continue;
    }
    for (const field of await fieldsOf(word, context, capture)) {
      if (glob && field.active && hasPattern(field.pattern)) {
        const matches = expandGlob(field.pattern, process.cwd());
        if (matches.length > 0) {
          out.push(...matches);
          continue;
        }
      }
      out.push(field.text);
    }
  }
  return out;
}

/** One field of a word: its text, the same text as a pattern (quoted characters escaped), whether it holds a pattern character. */
interface Field {
  text: string;
  pattern: string;
  active: boolean;
  /** Kept even when empty: it has quoted or literal text. */
  keep: boolean;
}

async function fieldsOf(word: Word, context: ExecContext, capture: CaptureRunner): Promise<Field[]> {
  const fields: Field[] = [];
  let current: Field = { text: '', pattern: '', active: false, keep: false };
  const add = (text: string, keep: boolean): void => {
    current.text += text;
    current.pattern += text.replace(/[\\*?[\]]/g, '\\$&');
    if (keep || text !== '') current.keep = true;
  };
  for (const part of word.parts) {
    if (part.kind === 'glob') {
      current.text += part.value;
      current.pattern += part.value;
      current.active = true;
      current.keep = true;
    } else if (part.kind === 'substitution' && !part.quoted) {
      // Unquoted output splits on blanks and newlines into words.
      const pieces = (await expandPart(part, context, capture)).split(/[ \t\n]+/);
      pieces.forEach((piece, index) => {
        if (index > 0) {
          fields.push(current);
          current = { text: '', pattern: '', active: false, keep: false };
        }
        add(piece, false);
      });
    } else {
      const quoted = part.kind === 'text' || part.kind === 'tilde' || part.kind === 'arithmetic' || part.quoted === true;
      add(await expandPart(part, context, capture), quoted);
    }
  }
  fields.push(current);
  return fields.filter((field) => field.keep);
}
