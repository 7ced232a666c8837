/**
 * vitest global setup for the backend tests: decides once per run whether PostgreSQL and Redis
 * can run here, and stops at the end whatever the test workers started (tests/support/engines.ts
 * starts each engine on first use, so a run that needs neither pays nothing).
 */
import { chmodSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPostgresBin, findRedisServer, INSTALL_HINT, stopEngine } from '../../scripts/test-engines.mjs';

export default function setup(): () => void {
  const missing = [
    ...(findPostgresBin() ? [] : [{ name: 'PostgreSQL (initdb, pg_ctl)', install: INSTALL_HINT.postgres, flag: 'postgres' }]),
    ...(findRedisServer() ? [] : [{ name: 'Redis (redis-server)', install: INSTALL_HINT.redis, flag: 'redis' }]),
  ];
  if (missing.length > 0) {
    const what = missing.map((engine) => engine.name).join(' and ');
    const install = missing.map((engine) => engine.install.replace('apt-get install ', '')).join(' ');
    const required = process.env.CI === 'true' || process.env.AISH_TEST_ENGINES_REQUIRED === '1';
    if (required) throw new Error(`CI=true (or AISH_TEST_ENGINES_REQUIRED=1) and ${what} not found: the backend tests cannot run; install with apt-get install ${install}`);
    process.stderr.write(`aish tests: skipping the backend tests that need ${what}: not found; install with apt-get install ${install}\n`);
  }
  process.env.AISH_TEST_ENGINES_MISSING = missing.map((engine) => engine.flag).join(',');
  const folder = mkdtempSync(join(tmpdir(), 'aish-engines-'));
  // PostgreSQL runs as another user when the tests run as root: it must reach its folder inside.
  chmodSync(folder, 0o755);
  process.env.AISH_TEST_ENGINES = folder;
  return () => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.isDirectory()) stopEngine(join(folder, entry.name));
    }
    stopEngine(folder);
  };
}
