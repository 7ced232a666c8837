/**
 * `aish completion bash|zsh|fish` prints a completion script for that shell;
 * the hidden `aish completion --list specialists|sessions|capabilities` is
 * what those scripts run at Tab time to get the names aish knows now.
 */
import type { Command } from 'commander';
import type { Connection } from '../specialists.js';
import { bashScript } from './bash.js';
import { fishScript } from './fish.js';
import { completionModel, NAME_KINDS, SHELLS, type NameKind, type ShellName } from './model.js';
import { printNames } from './names.js';
import { zshScript } from './zsh.js';

export { NAME_KINDS, SHELLS } from './model.js';

export interface CompletionOptions {
  list?: string;
}

const SCRIPTS: Record<ShellName, typeof bashScript> = { bash: bashScript, zsh: zshScript, fish: fishScript };

/** Runs `aish completion`; `program` is the whole command line definition, to read flags from. */
export async function completionCommand(program: Command, shell: string | undefined, options: CompletionOptions, connection: Connection): Promise<number> {
  if (options.list !== undefined) {
    if (!(NAME_KINDS as readonly string[]).includes(options.list)) {
      process.stderr.write(`aish: completion: --list takes ${NAME_KINDS.join(', ')}, not '${options.list}'\n`);
      return 1;
    }
    return printNames(options.list as NameKind, connection);
  }
  if (shell === undefined) {
    process.stderr.write(`aish: completion: which shell? ${SHELLS.join(', ')} (e.g. source <(aish completion bash))\n`);
    return 1;
  }
  if (!(SHELLS as readonly string[]).includes(shell)) {
    process.stderr.write(`aish: completion: no completion for '${shell}': aish has it for ${SHELLS.join(', ')}\n`);
    return 1;
  }
  process.stdout.write(SCRIPTS[shell as ShellName](completionModel(program)));
  return 0;
}
