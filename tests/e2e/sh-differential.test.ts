/**
 * sh semantics by comparison (docs/language.md "Scripts"): every script in
 * tests/e2e/sh-differential/ uses only sh features (no AI stages) and must
 * give the same stdout and exit status under aish as under `bash --posix`.
 * Each runs in a fresh folder of its own, so scripts that make files for
 * globbing see only their own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AISH, tempHome, testEnv } from '../support/aish.js';

const FOLDER = join(import.meta.dirname, 'sh-differential');
const scripts = readdirSync(FOLDER).filter((name) => name.endsWith('.sh')).sort();

function runIn(shell: string[], script: string): { stdout: string; status: number | null } {
  const cwd = mkdtempSync(join(tmpdir(), 'aish-sh-'));
  const home = tempHome();
  const result = spawnSync(shell[0]!, [...shell.slice(1), join(FOLDER, script)], { cwd, env: testEnv(home), encoding: 'utf8', timeout: 20_000 });
  return { stdout: result.stdout, status: result.status };
}

describe('scripts give the same output and status under aish as under bash --posix', () => {
  it('ships at least 60 scripts', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(60);
  });

  it.each(scripts)('%s', (script) => {
    const bash = runIn(['bash', '--posix'], script);
    const aish = runIn([process.execPath, AISH], script);
    expect({ stdout: aish.stdout, status: aish.status }, readFileSync(join(FOLDER, script), 'utf8')).toEqual(bash);
  });
});
