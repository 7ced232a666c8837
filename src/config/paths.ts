/** Where aish keeps its files (docs/cli.md "Files"), honouring XDG and AISH_* variables. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Environment variables, passed explicitly so tests never read the real ones. */
export type Env = Record<string, string | undefined>;

/** The user's home: `HOME`, else the operating system's idea of it. */
export function homeFolder(env: Env = process.env): string {
  return env.HOME || homedir();
}

/** `$XDG_CONFIG_HOME/aish`, by default `~/.config/aish`. */
export function configFolder(env: Env = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homeFolder(env), '.config'), 'aish');
}

/** `$XDG_DATA_HOME/aish`, by default `~/.local/share/aish`. */
export function dataFolder(env: Env = process.env): string {
  return join(env.XDG_DATA_HOME || join(homeFolder(env), '.local', 'share'), 'aish');
}

/** `$XDG_STATE_HOME/aish`, by default `~/.local/state/aish`: logs of the MCP servers aish starts. */
export function stateFolder(env: Env = process.env): string {
  return join(env.XDG_STATE_HOME || join(homeFolder(env), '.local', 'state'), 'aish');
}

/** The config file: `AISH_CONFIG`, else `config.yaml` in the config folder. */
export function configFile(env: Env = process.env): string {
  return env.AISH_CONFIG || join(configFolder(env), 'config.yaml');
}

/** The SQLite database: `AISH_DB`, else `aish.db` in the data folder. */
export function databaseFile(env: Env = process.env): string {
  return env.AISH_DB || join(dataFolder(env), 'aish.db');
}

/** The REPL's line history: `AISH_HISTORY_FILE`, else `repl_history` in the data folder. */
export function replHistoryFile(env: Env = process.env): string {
  return env.AISH_HISTORY_FILE || join(dataFolder(env), 'repl_history');
}

/**
 * The folder of Markdown specialists (one `*.md` file each): `AISH_SPECIALISTS_DIR`
 * when set, else `specialists/` next to the default config file.
 */
export function specialistsFolder(env: Env = process.env): string {
  return env.AISH_SPECIALISTS_DIR || join(configFolder(env), 'specialists');
}

/** The rc file sourced by the REPL: `AISH_RC`, else `~/.aishrc`. */
export function rcFile(env: Env = process.env): string {
  return env.AISH_RC || join(homeFolder(env), '.aishrc');
}

/** Which session each terminal used last (`-C`), beside the database. */
export function currentSessionsFile(env: Env = process.env): string {
  return join(dataFolder(env), 'current-sessions.json');
}
