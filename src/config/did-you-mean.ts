/** Suggesting the name the user probably meant, for unknown keys and specialists. */

/** The candidate closest to `name`, if it is close enough to be a likely typo. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase());
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

/**
 * Edit distance counting a swap of two neighbours as one edit (`prot` is one
 * from `port`), where `-` and `_` count as the same letter.
 */
function editDistance(a: string, b: string): number {
  const same = (x: string | undefined, y: string | undefined): boolean => x === y || ((x === '-' || x === '_') && (y === '-' || y === '_'));
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = same(a[i - 1], b[j - 1]) ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1])) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}
