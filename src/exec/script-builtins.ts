/**
 * The builtins scripts need (language.md §9): `export`, `read`, `shift`,
 * `:`, `.`, `break` and `continue`, and the sh side of `echo` (`-n`, `-e`)
 * and `set` (`-e`, `-u`). Each gets its expanded arguments and the stage's
 * ends, and returns an exit status.
 */
import type { BuiltinEntry, BuiltinIo } from './builtins.js';
import { LoopControl } from './compound.js';
import type { ExecContext } from './context.js';
import { readLine } from './line-reader.js';
import type { Source } from './streams.js';
import { assignVariable, exportVariable, variableValue } from './variables.js';


const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

async function fail(io: BuiltinIo, message: string, status = 1): Promise<number> {
  await io.err.write(`aish: ${message}\n`);
  return status;
}

export const SCRIPT_BUILTINS: Record<string, BuiltinEntry> = {
  ':': { help: ': — do nothing, successfully (as true)', run: () => 0 },
  echo: { help: 'echo [-n] [-e] WORDS… — print the words (-n: no newline, -e: backslash escapes)', run: echo },
  export: { help: 'export [NAME[=value]…] — give variables to every later Unix command (no names: list them)', run: exportNames },
  read: { help: 'read [-r] [-p PROMPT] NAME… — read a line into variables (status 1 at end of input)', run: read },
  shift: { help: "shift [N] — drop the first N of the script's arguments", run: shift },
  '.': { help: '. FILE [ARGS…] — run a script file in this shell (as source)', run: dotBuiltin },
  break: { help: 'break [N] — leave the innermost N loops', run: (args, io, context) => loopControl('break', args, io, context) },
  continue: { help: 'continue [N] — go on with the next round of the Nth loop out', run: (args, io, context) => loopControl('continue', args, io, context) },
};

async function echo(args: string[], io: BuiltinIo): Promise<number> {
  let newline = true;
  let escapes = false;
  let index = 0;
  // Only words made of n, e and E letters are options, as in bash (`echo -x` prints `-x`).
  for (; index < args.length && /^-[neE]+$/.test(args[index]!); index++) {
    for (const flag of args[index]!.slice(1)) {
      if (flag === 'n') newline = false;
      else escapes = flag === 'e';
    }
  }
  let text = args.slice(index).join(' ');
  if (escapes) {
    const interpreted = interpretEscapes(text);
    text = interpreted.text;
    if (interpreted.stop) newline = false;
  }
  await io.out.write(text + (newline ? '\n' : ''));
  return 0;
}

async function exportNames(args: string[], io: BuiltinIo, context: ExecContext): Promise<number> {
  if (args.length === 0 || (args.length === 1 && args[0] === '-p')) {
    const names = [...context.state.environment.keys()].sort();
    await io.out.write(names.map((name) => `export ${name}=${quote(context.state.environment.get(name)!)}\n`).join(''));
    return 0;
  }
  for (const argument of args) {
    const eq = argument.indexOf('=');
    const name = eq === -1 ? argument : argument.slice(0, eq);
    if (!VARIABLE_NAME.test(name)) return fail(io, `export: '${argument}': not a valid name`);
    exportVariable(name, eq === -1 ? undefined : argument.slice(eq + 1), context.state);
  }
  return 0;
}

async function read(args: string[], io: BuiltinIo, context: ExecContext): Promise<number> {
  let raw = false;
  let prompt: string | undefined;
  let index = 0;
  for (; index < args.length && args[index]!.startsWith('-') && args[index] !== '-'; index++) {
    const option = args[index]!;
    if (option === '--') {
      index++;
      break;
    }
    if (option === '-r') raw = true;
    else if (option === '-p') prompt = args[++index] ?? '';
    else if (option === '-rp' || option === '-pr') {
      raw = true;
      prompt = args[++index] ?? '';
    } else return fail(io, `read: ${option}: unknown option (aish knows -r and -p PROMPT)`, 2);
  }
  const names = args.slice(index);
  if (names.length === 0) names.push('REPLY');
  const bad = names.find((name) => !VARIABLE_NAME.test(name));
  if (bad) return fail(io, `read: '${bad}': not a valid name`);
  if (prompt !== undefined) await io.err.write(prompt);
  const line = await readLogicalLine(io.in, raw, context);
  if (line === undefined) {
    for (const name of names) assignVariable(name, '', context.state);
    return 1;
  }
  const separators = variableValue('IFS', context.state) ?? ' \t\n';
  splitIntoNames(line.text, names, separators).forEach((value, at) => assignVariable(names[at]!, value, context.state));
  return line.complete ? 0 : 1;
}

function shift(args: string[], io: BuiltinIo, context: ExecContext): number | Promise<number> {
  const count = args[0] === undefined ? 1 : Number(args[0]);
  const { state } = context;
  if (!Number.isInteger(count) || count < 0) return fail(io, `shift: ${args[0]}: numeric argument required`, 2);
  if (count > state.positional.length) return fail(io, `shift: ${count}: shift count out of range`);
  state.positional = state.positional.slice(count);
  return 0;
}

async function dotBuiltin(args: string[], io: BuiltinIo, context: ExecContext): Promise<number> {
  if (!args[0]) return fail(io, '.: usage: . FILE [ARGS…]', 2);
  return context.host.source(args[0], args.slice(1), context);
}

async function loopControl(kind: 'break' | 'continue', args: string[], io: BuiltinIo, context: ExecContext): Promise<number> {
  const levels = args[0] === undefined ? 1 : Number(args[0]);
  if (!Number.isInteger(levels) || levels < 1) return fail(io, `${kind}: ${args[0]}: loop count out of range`);
  // Outside a loop sh says so and goes on.
  if (context.state.loopDepth === 0) return fail(io, `${kind}: only meaningful in a 'for', 'while', or 'until' loop`, 0);
  throw new LoopControl(kind, Math.min(levels, context.state.loopDepth));
}

/** A line, joined with the next while it ends in `\` (without `-r`), with backslashes removed. */
async function readLogicalLine(source: Source, raw: boolean, context: ExecContext): Promise<{ text: string; complete: boolean } | undefined> {
  let text = '';
  for (;;) {
    const line = await readLine(source, context.stdin, context.signal);
    if (line === undefined) return text === '' ? undefined : { text, complete: false };
    if (raw) return { text: line.text, complete: line.complete };
    if (line.complete && /(?:^|[^\\])(?:\\\\)*\\$/.test(line.text)) {
      text += line.text.slice(0, -1);
      continue;
    }
    return { text: (text + line.text).replace(/\\(.)/g, '$1'), complete: line.complete };
  }
}

/** sh's field splitting for `read`: on the separators, the last name taking the rest of the line. */
export function splitIntoNames(line: string, names: string[], separators: string): string[] {
  const isBlank = (c: string): boolean => separators.includes(c) && /\s/.test(c);
  const isSeparator = (c: string): boolean => separators.includes(c);
  let at = 0;
  const skipBlanks = (): void => {
    while (at < line.length && isBlank(line.charAt(at))) at++;
  };
  skipBlanks();
  const values: string[] = [];
  for (let index = 0; index < names.length; index++) {
    if (index === names.length - 1) {
      let rest = line.slice(at);
      while (rest !== '' && isBlank(rest.charAt(rest.length - 1))) rest = rest.slice(0, -1);
      values.push(rest);
      break;
    }
    const start = at;
    while (at < line.length && !isSeparator(line.charAt(at))) at++;
    values.push(line.slice(start, at));
    skipBlanks();
    if (at < line.length && isSeparator(line.charAt(at)) && !isBlank(line.charAt(at))) {
      at++;
      skipBlanks();
    }
  }
  return values;
}

/** bash's `echo -e` escapes; `\c` stops the output there. */
function interpretEscapes(text: string): { text: string; stop: boolean } {
  const simple: Record<string, string> = { a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
  let out = '';
  for (let index = 0; index < text.length; index++) {
    const c = text.charAt(index);
    if (c !== '\\' || index + 1 >= text.length) {
      out += c;
      continue;
    }
    const next = text.charAt(++index);
    if (next === 'c') return { text: out, stop: true };
    if (simple[next] !== undefined) out += simple[next];
    else if (next === '0') {
      const digits = /^[0-7]{0,3}/.exec(text.slice(index + 1))![0];
      out += String.fromCharCode(parseInt(digits || '0', 8));
      index += digits.length;
    } else if (next === 'x' && /^[0-9a-fA-F]/.test(text.slice(index + 1))) {
      const digits = /^[0-9a-fA-F]{1,2}/.exec(text.slice(index + 1))![0];
      out += String.fromCharCode(parseInt(digits, 16));
      index += digits.length;
    } else out += '\\' + next;
  }
  return { text: out, stop: false };
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
