/**
 * Golden tests for the planner, as tests/syntax/golden.test.ts is for the
 * parser: every `tests/plan/golden/<group>/NNN-name.aish` is parsed, each of
 * its pipelines planned in a fixed world (tests/plan/support.ts), and the
 * printed plans compared with `NNN-name.out` beside it.
 * `UPDATE_GOLDEN=1` (npm run golden:update) rewrites the `.out` files instead.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLAN_GOLDEN_DIR, planGoldenCases, renderPlans } from './support.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const cases = planGoldenCases();

describe('planner golden cases', () => {
  it('there are golden cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)('%s', (name) => {
    const inputPath = join(PLAN_GOLDEN_DIR, name);
    const outPath = inputPath.replace(/\.aish$/, '.out');
    const actual = renderPlans(readFileSync(inputPath, 'utf8'));
    if (UPDATE) {
      writeFileSync(outPath, actual);
      return;
    }
    expect(existsSync(outPath), `${outPath} is missing: run npm run golden:update`).toBe(true);
    expect(actual).toBe(readFileSync(outPath, 'utf8'));
  });
});
