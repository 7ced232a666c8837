/**
 * Tab completion at the prompt: what the word under the cursor can become,
 * decided by where it stands in the line — a stage's first word (builtins,
 * aliases, specialists, `@capabilities`), an AI stage's flag, the session
 * after `--session`, a file after `>`, `>>`, `<`, `2>` or among a Unix
 * command's arguments. The line is read loosely (it is usually unfinished),
 * so this never fails: an odd line completes to nothing.
 */
import { AI_FLAGS, findSpecialist, type SpecialistDirectory } from '../plan/index.js';
import { BUILTIN_KINDS, SESSION_VERBS, sessionVerb } from '../exec/index.js';
import { RESERVED_WORDS } from '../syntax/index.js';

/** What completion draws on; the REPL backs it with the shell and its specialist service. */
export interface CompletionSources {
  /** Specialist ids and registered aliases (undefined while the service has not answered). */
  specialists(): Promise<SpecialistDirectory | undefined>;
  /** Capability names, without the `@`. */
  capabilities(): Promise<string[]>;
  /** Session ids and names. */
  sessions(): Promise<string[]>;
  /** The shell's aliases (`alias name=…`). */
  aliases(): string[];
  /** The shell's variables (`set NAME=…`). */
  variables(): string[];
  /** Executables on PATH whose names start with `prefix`. */
  executables(prefix: string): string[];
  /** Paths starting with `prefix` (as typed, `~/` allowed); folders end with `/`. */
  files(prefix: string, foldersOnly: boolean): string[];
}

/** node:readline's completer result: the candidates and the text they replace. */
export type Completion = [string[], string];

const SESSIONS_COMMANDS = SESSION_VERBS.map((verb) => verb.name);
const REDIRECTS = ['2>>', '2>', '>>', '>', '<'];
const UNQUOTED_BREAK = /[\s|&;()<>]/;

/** Where the word under the cursor stands, and the stage it belongs to. */
interface Place {
  word: Word;
  /** The word is a stage's first word (a command, a specialist, a fan-out target). */
  atCommand: boolean;
  /** The word follows a file redirect. */
  afterRedirect: boolean;
  /** The word follows `<<` (a delimiter or message: nothing to complete). */
  afterHere: boolean;
  /** The stage is a fan-out (`a,b` or `{…}`), so its arguments are an AI stage's. */
  fanout: boolean;
  /** The stage's first word and the words after it, quotes removed. */
  command: string | undefined;
  args: string[];
}

interface Word {
  /** As typed, quotes and backslashes included. */
  raw: string;
  /** With quotes and backslashes removed. */
  value: string;
  /** The quote still open at the end of the line, if any. */
  openQuote: '"' | "'" | undefined;
}

export async function completeLine(line: string, sources: CompletionSources): Promise<Completion> {
  const place = locate(line);
  if (!place) return [[], ''];
  const { word } = place;
  const values = await candidatesFor(place, sources);
  const unique = [...new Set(values)].filter((value) => value.startsWith(word.value)).sort();
  const written = unique.map((value) => writeWord(value, word.openQuote));
  if (written.length === 1 && !written[0]!.endsWith('/')) written[0] = `${written[0]}${word.openQuote ?? ''} `;
  return [written, word.raw];
}

async function candidatesFor(place: Place, sources: CompletionSources): Promise<string[]> {
  const { word } = place;
  if (place.afterHere) return [];
  if (place.afterRedirect) return sources.files(word.value, false);
  if (place.atCommand) return commandCandidates(place, sources);
  const kind = await stageKind(place, sources);
  const previous = place.args.at(-1);
  if (kind === 'ai') {
    if (previous === '--session' || previous === '--continue') return sources.sessions();
    if (word.value.startsWith('--session=')) return (await sources.sessions()).map((name) => `--session=${name}`);
    if (word.value.startsWith('-')) return AI_FLAGS;
    return []; // an instruction: free text
  }
  if (kind === 'builtin') return builtinArgument(place, sources);
  return sources.files(word.value, false);
}

async function commandCandidates(place: Place, sources: CompletionSources): Promise<string[]> {
  const value = place.word.value;
  if (value.startsWith('@')) return (await sources.capabilities()).map((capability) => `@${capability}`);
  if (value.startsWith('!')) return sources.executables(value.slice(1)).map((name) => `!${name}`);
  if (place.command === 'command' && place.args.length === 0) return sources.executables(value);
  if (value.includes('/')) return sources.files(value, false);
  const directory = await sources.specialists();
  const names = [...BUILTIN_KINDS.keys(), ...RESERVED_WORDS, ...sources.aliases(), ...(directory?.ids ?? []), ...(directory?.aliases.keys() ?? [])];
  // aish's own names first: PATH commands only when none of them fits (so `apo` finds apollo, not apropos).
  if (names.some((name) => name.startsWith(value))) return names;
  return value === '' ? [] : sources.executables(value);
}

async function stageKind(place: Place, sources: CompletionSources): Promise<'ai' | 'builtin' | 'unix'> {
  const command = place.command;
  if (place.fanout || command?.startsWith('@')) return 'ai';
  if (command === undefined || command.startsWith('!') || command === 'command') return 'unix';
  if (BUILTIN_KINDS.has(command)) return 'builtin';
  if (sources.aliases().includes(command)) return 'unix';
  const directory = await sources.specialists();
  return directory && findSpecialist(command, directory).kind === 'found' ? 'ai' : 'unix';
}

async function builtinArgument(place: Place, sources: CompletionSources): Promise<string[]> {
  const { args, word } = place;
  switch (place.command) {
    case 'cd':
      return sources.files(word.value, true);
    case 'unalias':
    case 'alias':
      return sources.aliases();
    case 'unset':
      return sources.variables();
    case 'sessions':
      if (args.length === 0) return SESSIONS_COMMANDS;
      return args.length === 1 && sessionVerb(args[0]!)?.target === 'session' ? sources.sessions() : sources.files(word.value, false);
    case 'help':
    case 'ais':
    case 'exit':
    case 'true':
    case 'false':
    case 'jobs':
    case 'wait':
    case 'team-chat':
      return [];
    default:
      return sources.files(word.value, false);
  }
}

/** Writes a value as a word: backslashes before special characters, or inside the quote already open. */
function writeWord(value: string, openQuote: '"' | "'" | undefined): string {
  if (openQuote === "'") return `'${value}`;
  if (openQuote === '"') return `"${value.replace(/(["\\$`])/g, '\\$1')}`;
  return value.replace(/([\s|&;()<>"'\\$`#*?])/g, '\\$1');
}

/** Reads the line up to the cursor and finds where its last word stands; undefined inside a comment. */
export function locate(line: string): Place | undefined {
  let place: Omit<Place, 'word'> = newStage();
  let i = 0;
  for (;;) {
    while (i < line.length && /[ \t\n]/.test(line[i]!)) i++;
    if (i >= line.length) return { ...place, word: { raw: '', value: '', openQuote: undefined } };
    if (line[i] === '#') return undefined;
    const operator = operatorAt(line, i, place);
    if (operator) {
      i += operator.length;
      place = afterOperator(operator, place);
      continue;
    }
    const word = readWord(line, i, place);
    if (word.end >= line.length) return { ...place, word };
    i = word.end;
    place = afterWord(word.value, place, line[i] === ',' && place.atCommand);
    if (line[i] === ',' && place.atCommand) i++;
  }
}

function newStage(): Omit<Place, 'word'> {
  return { atCommand: true, afterRedirect: false, afterHere: false, fanout: false, command: undefined, args: [] };
}

function operatorAt(line: string, i: number, place: Omit<Place, 'word'>): string | undefined {
  const rest = line.slice(i);
  for (const operator of ['2>&1', '>&2', '<<-', '<<', '&&', '||', ...REDIRECTS, '|', '&', ';', '(', ')']) {
    if (rest.startsWith(operator)) return operator;
  }
  // Braces are operators only where a fan-out can open or close.
  if (rest[0] === '{' && place.atCommand) return '{';
  if (rest[0] === '}' && place.fanout) return '}';
  return undefined;
}

function afterOperator(operator: string, place: Omit<Place, 'word'>): Omit<Place, 'word'> {
  if (REDIRECTS.includes(operator)) return { ...place, afterRedirect: true };
  if (operator === '<<' || operator === '<<-') return { ...place, afterHere: true };
  if (operator === '2>&1' || operator === '>&2') return place;
  if (operator === '{') return { ...newStage(), fanout: true };
  if (operator === '}' || operator === ')') return { ...place, atCommand: false, fanout: operator === '}' || place.fanout };
  // `|` inside braces separates parallel branches; elsewhere it starts the next stage.
  return { ...newStage(), fanout: operator === '|' && place.fanout };
}

function afterWord(value: string, place: Omit<Place, 'word'>, moreTargets: boolean): Omit<Place, 'word'> {
  if (place.afterRedirect) return { ...place, afterRedirect: false };
  if (place.afterHere) return { ...place, afterHere: false };
  if (moreTargets) return { ...place, fanout: true, command: value };
  if (place.atCommand && value === 'command' && place.command === undefined) return { ...place, command: value };
  if (place.atCommand) return { ...place, atCommand: false, command: place.command === 'command' ? `!${value}` : value };
  return { ...place, args: [...place.args, value] };
}

/** One word from `start`: quotes, backslashes; a stage's first word also ends at `,` or a fan-out's `}`. */
function readWord(line: string, start: number, place: Omit<Place, 'word'>): Word & { end: number } {
  const endsTarget = (c: string): boolean => place.atCommand && (c === ',' || (c === '}' && place.fanout));
  let value = '';
  let openQuote: '"' | "'" | undefined;
  let i = start;
  for (; i < line.length; i++) {
    const c = line[i]!;
    if (openQuote === "'") {
      if (c === "'") openQuote = undefined;
      else value += c;
    } else if (openQuote === '"') {
      if (c === '"') openQuote = undefined;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) value += line[++i];
      else value += c;
    } else if (c === '\\') {
      if (i + 1 < line.length) value += line[++i];
    } else if (c === '"' || c === "'") {
      openQuote = c;
    } else if (UNQUOTED_BREAK.test(c) || endsTarget(c)) {
      break;
    } else {
      value += c;
    }
  }
  return { raw: line.slice(start, i), value, openQuote, end: i };
}
