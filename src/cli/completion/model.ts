/**
 * What the completion scripts complete, read from the commander program
 * itself, so a flag added to any command is completed without touching the
 * scripts: the subcommands, each one's flags (and which take a value), and
 * what kind of value or argument goes where.
 */
import type { Command, Option } from 'commander';
import { SESSION_VERBS } from '../../exec/index.js';

/** Values completed at Tab time by asking aish (`aish completion --list KIND`). */
export const NAME_KINDS = ['specialists', 'sessions', 'capabilities'] as const;
export type NameKind = (typeof NAME_KINDS)[number];

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type ShellName = (typeof SHELLS)[number];

/**
 * What goes in an option's value: names asked from aish, files, an aish
 * command line (`-c`: specialist names and `@capabilities`), or nothing we
 * can guess (a URL, a number).
 */
export type ValueKind = 'sessions' | 'specialists' | 'files' | 'line' | 'none';

export interface FlagSpec {
  /** `-s`, `--server`: every spelling. */
  names: string[];
  description: string;
  /** Takes a value in the next word (`--port 8003`). */
  value: ValueKind | undefined;
}

export interface CommandSpec {
  name: string;
  description: string;
  flags: FlagSpec[];
  /** What each positional argument is, in order (none past the last). */
  args: ArgumentKind[];
}

/** A positional argument: fixed words, names from aish, or files. */
export type ArgumentKind = { words: readonly { word: string; description: string }[] } | { names: NameKind } | { files: true };

export interface CompletionModel {
  globalFlags: FlagSpec[];
  commands: CommandSpec[];
  /** `sessions VERB TARGET`: what TARGET is for each verb. */
  sessionTargets: Record<string, ArgumentKind>;
}

/** Flags whose values we know how to complete, by long name. */
const VALUE_KINDS: Record<string, ValueKind> = {
  '--session': 'sessions',
  '--specialist': 'specialists',
  '--config': 'files',
  '--db': 'files',
  '--command': 'line',
};

/** `sessions` reads its own words (the builtin does), so commander does not know these: the builtin's table. */
const SESSION_VERB_WORDS = SESSION_VERBS.map((verb) => ({ word: verb.name, description: verb.description }));
const SESSIONS_FLAGS: FlagSpec[] = [
  { names: ['--json'], description: 'one JSON document', value: undefined },
  { names: ['--force'], description: 'import over an existing session', value: undefined },
  { names: ['--ttl'], description: 'renew: seconds to live from now (0 = never)', value: 'none' },
  { names: ['-h', '--help'], description: 'show help', value: undefined },
];

/** `history` reads its own words too (the builtin does). */
const HISTORY_FLAGS: FlagSpec[] = [
  { names: ['--search'], description: 'exchanges with all these words', value: 'none' },
  { names: ['--specialist'], description: "one specialist's exchanges", value: 'specialists' },
  { names: ['--since'], description: 'exchanges since a date', value: 'none' },
  { names: ['--limit'], description: 'at most N exchanges', value: 'none' },
  { names: ['--cost'], description: 'tokens and cost by specialist and model', value: undefined },
  { names: ['--json'], description: 'one JSON document', value: undefined },
];

/** Flags of the subcommands whose words commander passes through untouched. */
const OWN_FLAGS: Record<string, FlagSpec[]> = { sessions: SESSIONS_FLAGS, history: HISTORY_FLAGS };

/** Positional arguments of the subcommands commander cannot describe for us. */
const ARGUMENTS: Record<string, ArgumentKind[]> = {
  chat: [{ names: 'specialists' }],
  sessions: [{ words: SESSION_VERB_WORDS }],
  history: [{ words: [{ word: 'show', description: 'one exchange in full (show ID)' }] }],
  completion: [{ words: SHELLS.map((shell) => ({ word: shell, description: `a script for ${shell}` })) }],
};

const HELP_FLAG: FlagSpec = { names: ['-h', '--help'], description: 'show help', value: undefined };

export function completionModel(program: Command): CompletionModel {
  const commands = program.commands
    .filter((command) => !(command as unknown as { _hidden?: boolean })._hidden)
    .map((command) => ({
      name: command.name(),
      description: command.description(),
      flags: [...flagsOf(command.options), ...(OWN_FLAGS[command.name()] ?? [HELP_FLAG])],
      args: ARGUMENTS[command.name()] ?? [],
    }));
  return {
    globalFlags: [...flagsOf(program.options), HELP_FLAG],
    commands,
    sessionTargets: sessionTargets(),
  };
}

/** What follows each verb (and alias) that takes a session or a file. */
function sessionTargets(): Record<string, ArgumentKind> {
  const targets: Record<string, ArgumentKind> = {};
  for (const verb of SESSION_VERBS) {
    if (verb.target === 'none') continue;
    for (const word of [verb.name, ...verb.aliases]) targets[word] = verb.target === 'session' ? { names: 'sessions' } : { files: true };
  }
  return targets;
}

function flagsOf(options: readonly Option[]): FlagSpec[] {
  return options
    .filter((option) => !option.hidden)
    .map((option) => ({
      names: [option.short, option.long].filter((name): name is string => name !== undefined),
      description: option.description,
      value: option.required || option.optional ? (VALUE_KINDS[option.long ?? ''] ?? 'none') : undefined,
    }));
}

/** Every spelling of the flags that take a value. */
export function valueFlags(flags: FlagSpec[]): FlagSpec[] {
  return flags.filter((flag) => flag.value !== undefined);
}
