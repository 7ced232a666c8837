// Small helpers the bench scripts share: a seeded generator, medians, percentiles and
// per-operation timing. Figures only; nothing here asserts.

/** A small seeded generator (mulberry32): the same seed gives the same sequence in every run. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The p-th percentile of values already sorted ascending. */
export function percentileOfSorted(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `operation(i)` `count` times and gives p50, p99 and max of the single runs, in ms. */
export function timeEach(count, operation) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    operation(i);
    times.push(performance.now() - started);
  }
  return spread(times);
}

function spread(times) {
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)];
  return { p50: at(50), p99: at(99), max: times[times.length - 1] };
}

/** `timeEach` for an asynchronous `operation(i)`: each run is timed until its promise settles; one at a time. */
export async function timeEachAsync(count, operation) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await operation(i);
    times.push(performance.now() - started);
  }
  return spread(times);
}
