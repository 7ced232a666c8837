/**
 * Shell variables and the environment, as sh keeps them: a plain assignment
 * makes a shell variable (seen by `$NAME`, not by Unix commands); `export`
 * moves it into the environment that every later Unix command gets; a
 * variable already in the environment (inherited, or exported) stays there
 * when assigned again. `set -u` makes expanding an unset name an error.
 */
import type { ExecContext, ShellState } from './context.js';

/** An error that stops the script (an unset name under `set -u`, a bad `$(( ))`), reported with status 1. */
export class ScriptError extends Error {
  override readonly name = 'ScriptError';
  constructor(
    message: string,
    readonly status = 1,
  ) {
    super(message);
  }
}

/** Names whose value comes from the shell itself, not from a variable. */
const SPECIAL = /^(?:[?#@*$!0-9]|[1-9][0-9]*)$/;

export function variableValue(name: string, state: ShellState): string | undefined {
  return state.variables.get(name) ?? state.environment.get(name);
}

/** `NAME=value`: into the environment when the name is exported, else a shell variable. */
export function assignVariable(name: string, value: string, state: ShellState): void {
  if (state.environment.has(name)) state.environment.set(name, value);
  else state.variables.set(name, value);
}

/** `export NAME[=value]`: the variable (with its value) goes into the environment of Unix commands. */
export function exportVariable(name: string, value: string | undefined, state: ShellState): void {
  const current = value ?? state.variables.get(name) ?? state.environment.get(name);
  state.variables.delete(name);
  if (current !== undefined) state.environment.set(name, current);
}

export function unsetVariable(name: string, state: ShellState): void {
  state.variables.delete(name);
  state.environment.delete(name);
}

/** Under `set -u`, expanding a name that is not set stops the script. */
export function checkSet(name: string, context: ExecContext): void {
  if (!context.state.options.nounset || name === '@' || name === '*') return;
  if (SPECIAL.test(name)) {
    if (!/^[1-9][0-9]*$/.test(name) || Number(name) <= context.state.positional.length) return;
  } else if (variableValue(name, context.state) !== undefined) {
    return;
  }
  throw new ScriptError(`${name}: unbound variable`);
}

/** The environment of a Unix command: the exported variables, then the command's own `NAME=value` words. */
export function childEnvironment(state: ShellState, extra?: ReadonlyMap<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(state.environment);
  if (extra) for (const [name, value] of extra) env[name] = value;
  return env;
}

/** A copy of a shell's state for a stage that runs apart (a compound command or builtin in a multi-stage pipeline). */
export function subshellState(state: ShellState): ShellState {
  return {
    ...state,
    variables: new Map(state.variables),
    environment: new Map(state.environment),
    aliases: new Map(state.aliases),
    options: { ...state.options },
    positional: [...state.positional],
    loopDepth: 0,
    conditionDepth: 0,
  };
}
