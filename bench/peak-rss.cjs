// Preloaded (`node --require`) into an aish process a bench runs: at exit it writes the
// process's peak resident memory (getrusage's maxrss, KiB) to the file named by
// AISH_BENCH_PEAK_FILE. Polling /proc misses the peak of a process that lives 0.2 s.
'use strict';
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  if (process.env.AISH_BENCH_PEAK_FILE) writeFileSync(process.env.AISH_BENCH_PEAK_FILE, String(process.resourceUsage().maxRSS));
});
