/**
 * Word expansion at run time: variables (shell `set` variables first, then
 * the environment), positional and special parameters, `~`, and `$(…)`,
 * which runs an aish command line and substitutes its output without the
 * trailing newlines. Words are never split on blanks: a word stays one
 * argument, except a word that is exactly `$@`, which becomes one argument
 * per positional parameter (as `"$@"` does in sh).
 */
import { homedir } from 'node:os';
import type { Script, Word, WordPart } from '../plan/index.js';
import type { ExecContext } from './context.js';

/** Runs a nested script with its stdout captured (provided by run.ts, to avoid a cycle). */
export type CaptureRunner = (script: Script, context: ExecContext) => Promise<string>;

export function lookupVariable(name: string, context: ExecContext): string {
  const { state } = context;
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
  return state.variables.get(name) ?? process.env[name] ?? '';
}

function home(): string {
  return process.env.HOME || homedir();
}

/** Expands a word that has no `$(…)`; undefined when it has one. */
export function expandWordSync(word: Word, context: ExecContext): string | undefined {
  let out = '';
  for (const part of word.parts) {
    if (part.kind === 'substitution') return undefined;
    out += expandSimplePart(part, context);
  }
  return out;
}

function expandSimplePart(part: Exclude<WordPart, { kind: 'substitution' }>, context: ExecContext): string {
  switch (part.kind) {
    case 'text':
      return part.value;
    case 'variable':
      return lookupVariable(part.name, context);
    case 'tilde':
      return home();
  }
}

export async function expandWord(word: Word, context: ExecContext, capture: CaptureRunner): Promise<string> {
  let out = '';
  for (const part of word.parts) {
    out += part.kind === 'substitution' ? (await capture(part.script, context)).replace(/\n+$/, '') : expandSimplePart(part, context);
  }
  return out;
}

export async function expandWords(words: readonly Word[], context: ExecContext, capture: CaptureRunner): Promise<string[]> {
  const out: string[] = [];
  for (const word of words) {
    const only = word.parts.length === 1 ? word.parts[0]! : undefined;
    if (only?.kind === 'variable' && only.name === '@') out.push(...context.state.positional);
    else out.push(await expandWord(word, context, capture));
  }
  return out;
}
