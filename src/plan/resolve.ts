/**
 * Name resolution for the first word of a stage, in the order of docs/language.md "Stages":
 * builtin, alias, specialist by exact id or registered alias, Unix command on
 * PATH, specialist by unique 3+-letter prefix; otherwise a "not found" with
 * suggestions. A PATH command comes before a prefix so that `cat` stays `cat`
 * when a specialist is called `catalog`.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { editDistance } from '../protocol/index.js';

/**
 * How the planner treats a builtin: most run as one stage; `team-chat`
 * becomes a fan-out to every specialist. The names come from the executor's
 * builtin table, through `PlanContext.builtins`.
 */
export type BuiltinKind = 'runs' | 'fan-out-to-all';

/** What the planner knows about specialists: ids and registered aliases. */
export interface SpecialistDirectory {
  ids: readonly string[];
  /** alias → id */
  aliases: ReadonlyMap<string, string>;
}

export type SpecialistMatch =
  | { kind: 'found'; id: string; resolvedBy: 'id' | 'alias' | 'prefix' }
  | { kind: 'ambiguous'; candidates: string[] }
  | { kind: 'none' };

const MIN_PREFIX = 3;

/** A specialist by its exact id or a registered alias. */
export function findSpecialistByName(name: string, directory: SpecialistDirectory): Extract<SpecialistMatch, { kind: 'found' }> | undefined {
  if (directory.ids.includes(name)) return { kind: 'found', id: name, resolvedBy: 'id' };
  const aliased = directory.aliases.get(name);
  if (aliased) return { kind: 'found', id: aliased, resolvedBy: 'alias' };
  return undefined;
}

/** A specialist by exact name, alias, or unique prefix (ignoring PATH: callers that must not shadow commands check it first). */
export function findSpecialist(name: string, directory: SpecialistDirectory): SpecialistMatch {
  return findSpecialistByName(name, directory) ?? findSpecialistByPrefix(name, directory);
}

/** A specialist by a unique prefix of at least 3 letters. */
export function findSpecialistByPrefix(name: string, directory: SpecialistDirectory): SpecialistMatch {
  if (name.length < MIN_PREFIX) return { kind: 'none' };
  const candidates = directory.ids.filter((id) => id.startsWith(name));
  if (candidates.length === 1) return { kind: 'found', id: candidates[0]!, resolvedBy: 'prefix' };
  if (candidates.length > 1) return { kind: 'ambiguous', candidates: [...candidates].sort() };
  return { kind: 'none' };
}

/** Finds an executable on PATH (or checks a name with a `/`), like `command -v`. */
export function findExecutable(name: string, path = process.env.PATH ?? '', cwd = process.cwd()): string | undefined {
  if (name === '') return undefined;
  if (name.includes('/')) return isExecutableFile(name.startsWith('/') ? name : join(cwd, name)) ? name : undefined;
  for (const folder of path.split(delimiter)) {
    const candidate = join(folder === '' ? cwd : folder, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    // Most PATH folders do not hold the name: a stat that finds nothing throws no error, which
    // is most of the cost of a lookup (every start resolves a specialist's name this way).
    if (statSync(file, { throwIfNoEntry: false })?.isFile() !== true) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Names close to `name` (edit distance ≤ 2, or a shared 3-letter start), best first. */
export function suggestNames(name: string, known: Iterable<string>, limit = 3): string[] {
  const scored: { candidate: string; distance: number }[] = [];
  for (const candidate of new Set(known)) {
    const budget = Math.min(2, Math.max(1, Math.floor(candidate.length / 3)));
    // The distance is at least the difference in length: skip the quadratic work (a 100 KB name).
    if (Math.abs(name.length - candidate.length) > budget) continue;
    const distance = editDistance(name, candidate);
    if (distance <= budget) scored.push({ candidate, distance });
  }
  scored.sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate));
  return scored.slice(0, limit).map((entry) => entry.candidate);
}

