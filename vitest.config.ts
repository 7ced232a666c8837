import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Real PostgreSQL and Redis for the backend tests, started on first use and stopped at the end.
    globalSetup: ['tests/support/engines-global.ts'],
    // Generous: several end-to-end cases spawn a dozen aish processes each, and a busy
    // two-core machine makes each spawn slow. A real hang still fails, only later.
    testTimeout: 60_000,
    // End-to-end tests spawn real processes; two cores are all CI has.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
