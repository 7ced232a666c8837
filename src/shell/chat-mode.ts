/**
 * At the prompt, a specialist's name alone — `apollo`, `apollo --session`,
 * `apollo --session ID` — opens a chat with it (docs/cli.md "The REPL") instead
 * of being an AI stage with nothing to send. Anything more (an instruction,
 * a pipe, a redirect, another flag) is an ordinary line.
 */
import { findExecutable, findSpecialist, type SpecialistDirectory } from '../plan/index.js';
import { BUILTIN_KINDS } from '../exec/index.js';
import { literalText, type Script } from '../syntax/index.js';

/** The chat a line asks for: the specialist's id, and the session to resume or start. */
export interface ChatRequest {
  specialist: string;
  /** A session id or name; undefined starts a fresh session. */
  session?: string;
}

export function chatRequestOf(script: Script, directory: SpecialistDirectory, aliases: ReadonlyMap<string, unknown>): ChatRequest | undefined {
  const stage = onlyStage(script);
  if (!stage || stage.kind !== 'command' || stage.forced || stage.redirects.length > 0) return undefined;
  const name = literalText(stage.name);
  if (name === undefined || BUILTIN_KINDS.has(name) || aliases.has(name)) return undefined;
  const args = stage.args.map(literalText);
  if (args.some((arg) => arg === undefined)) return undefined;
  const session = sessionOf(args as string[]);
  if (session === false) return undefined;
  const match = findSpecialist(name, directory);
  if (match.kind !== 'found') return undefined;
  // A command on PATH comes before a specialist's prefix (`cat` is cat, not `catalog`).
  if (match.resolvedBy === 'prefix' && findExecutable(name) !== undefined) return undefined;
  return { specialist: match.id, ...(session !== undefined && { session }) };
}

function onlyStage(script: Script) {
  const [list, ...otherLists] = script.lists;
  const [item, ...otherItems] = list?.items ?? [];
  if (!item || otherLists.length > 0 || otherItems.length > 0 || item.background || item.body.rest.length > 0) return undefined;
  const stages = item.body.first.stages;
  return stages.length === 1 ? stages[0] : undefined;
}

/** `[]` and bare `--session`: a fresh session; `--session ID` or `--session=ID`: that one; anything else: not a chat. */
function sessionOf(args: string[]): string | undefined | false {
  if (args.length === 0) return undefined;
  const [flag, value, ...rest] = args;
  if (rest.length > 0) return false;
  if (flag === '--session') return value;
  if (flag!.startsWith('--session=') && value === undefined) return flag!.slice('--session='.length) || undefined;
  return false;
}
