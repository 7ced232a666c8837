/** Where aish keeps its files (cli.md "Files"), honouring XDG and AISH_* variables. */
import { homedir } from 'node:os';
import { join } from 'node:path';

type Env = Record<string, string | undefined>;

export function homeFolder(env: Env = process.env): string {
  return env.HOME || homedir();
}

export function configFolder(env: Env = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homeFolder(env), '.config'), 'aish');
}

export function dataFolder(env: Env = process.env): string {
  return join(env.XDG_DATA_HOME || join(homeFolder(env), '.local', 'share'), 'aish');
}

export function configFile(env: Env = process.env): string {
  return env.AISH_CONFIG || join(configFolder(env), 'config.yaml');
}

export function databaseFile(env: Env = process.env): string {
  return env.AISH_DB || join(dataFolder(env), 'aish.db');
}

export function replHistoryFile(env: Env = process.env): string {
  return env.AISH_HISTORY_FILE || join(dataFolder(env), 'repl_history');
}

export function rcFile(env: Env = process.env): string {
  return env.AISH_RC || join(homeFolder(env), '.aishrc');
}
