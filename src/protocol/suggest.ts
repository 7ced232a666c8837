/**
 * Edit distance for "did you mean" in every layer's error messages (names,
 * config keys, capabilities): Levenshtein with a swap of two neighbours
 * counted as one edit (`prot` is one from `port`). `same` says which
 * characters count as equal (the config treats `-` and `_` alike).
 */
export function editDistance(a: string, b: string, same: (x: string, y: string) => boolean = (x, y) => x === y): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = same(a[i - 1]!, b[j - 1]!) ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && same(a[i - 1]!, b[j - 2]!) && same(a[i - 2]!, b[j - 1]!)) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}
