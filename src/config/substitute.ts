/**
 * `${NAME}` substitution in configuration strings.
 *
 * `${NAME}` becomes the value of the environment variable NAME, or the empty
 * string when it is unset. `$${` is the escape: it stands for a literal `${`
 * (as in Docker Compose). A backslash was not chosen because YAML itself gives
 * `\` a meaning in double-quoted strings, so `"\${X}"` would not even parse.
 * Anything else that starts with `${` but is not `${NAME}` is an error rather
 * than text left as is, so a typo never reaches a provider as a literal key.
 */
import type { Env } from './paths.js';

/** The outcome of substituting one string. */
export type Substitution =
  | { ok: true; value: string; /** whether the text held at least one `${NAME}` */ substituted: boolean }
  | { ok: false; message: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Order matters: the escape must win over a reference starting one character later.
const REFERENCE = /\$\$\{|\$\{([^}]*)(\}?)/g;

/** Replaces every `${NAME}` in `text` with `env[NAME]` ('' when unset); `$${` gives `${`. */
export function substituteEnv(text: string, env: Env): Substitution {
  let failure: string | undefined;
  let substituted = false;
  const value = text.replace(REFERENCE, (match: string, name: string | undefined, close: string | undefined) => {
    if (match === '$${') return '${';
    if (!close) failure ??= `"\${" is not closed by "}" (write $\${ for a literal \${)`;
    else if (!NAME.test(name ?? '')) failure ??= `"${match}" is not a variable reference: write \${NAME} with letters, digits and _ (or $\${ for a literal \${)`;
    else {
      substituted = true;
      return env[name!] ?? '';
    }
    return match;
  });
  return failure === undefined ? { ok: true, value, substituted } : { ok: false, message: failure };
}

/** The names `text` refers to as `${NAME}` whose variable is unset or empty, in order. */
export function unsetReferences(text: string, env: Env): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    const name = match[1];
    if (match[0] !== '$${' && match[2] && name !== undefined && NAME.test(name) && !env[name] && !names.includes(name)) names.push(name);
  }
  return names;
}

const OPEN_MARK = '\uE000';
const CLOSE_MARK = '\uE001';
const UNPROTECTED = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const PROTECTED = new RegExp(`${OPEN_MARK}([A-Za-z_][A-Za-z0-9_]*)${CLOSE_MARK}`, 'g');

/**
 * Hides each `${NAME}` from the YAML parser behind private-use characters.
 * YAML forbids `{` and `}` in a plain scalar inside a flow mapping, yet the documented
 * example (docs/cli.md) writes `anthropic: { api_key: ${ANTHROPIC_API_KEY} }`; this keeps
 * that line valid. Lines do not move, so positions in messages stay right.
 */
export function protectReferences(text: string): string {
  return text.replace(UNPROTECTED, (_match, name: string) => `${OPEN_MARK}${name}${CLOSE_MARK}`);
}

/** Undoes {@link protectReferences} in one parsed string. */
export function restoreReferences(text: string): string {
  return text.includes(OPEN_MARK) ? text.replace(PROTECTED, (_match, name: string) => `\${${name}}`) : text;
}
