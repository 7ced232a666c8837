/** Suggesting the name the user probably meant, for unknown keys and specialists. */
import { editDistance } from '../protocol/index.js';

/** `-` and `_` count as the same letter (`default-model` for `default_model`). */
const dashOrUnderscore = (x: string, y: string): boolean => x === y || ((x === '-' || x === '_') && (y === '-' || y === '_'));

/** The candidate closest to `name`, if it is close enough to be a likely typo. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase(), dashOrUnderscore);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  // A third of the length lets `specialist`, `default-model` and `sytem` through
  // while keeping unrelated short names (`port` for `host`) apart.
  return bestDistance <= Math.max(1, Math.floor(wanted.length / 3)) ? best : undefined;
}

/** ` (did you mean "x"?)` or ` (expected one of a, b, c)`: the tail of an unknown-name message. */
export function suggestion(name: string, candidates: readonly string[]): string {
  const closest = closestName(name, candidates);
  if (closest !== undefined) return ` (did you mean "${closest}"?)`;
  if (candidates.length === 1) return ` (expected ${candidates[0]})`;
  return candidates.length > 0 ? ` (expected one of ${candidates.join(', ')})` : '';
}

