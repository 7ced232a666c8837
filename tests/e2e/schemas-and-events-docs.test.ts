/**
 * The examples of docs/schemas-and-events.md run as written, with the echo
 * model: every line of its `sh` blocks, through `sh` with `aish` on PATH.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AISH, tempHome, testEnv } from '../support/aish.js';

const page = readFileSync(resolve(import.meta.dirname, '../../docs/schemas-and-events.md'), 'utf8');
const lines = [...page.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) => block[1]!.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#')));

/** What each example exits with: a name that is not found is 3, on purpose. */
const expectedStatus = (line: string): number => (line.includes('apolo x') ? 3 : 0);

describe('docs/schemas-and-events.md', () => {
  it('has examples', () => {
    expect(lines.length).toBeGreaterThan(5);
  });

  it.each(lines)('%s runs', { timeout: 60_000 }, (line) => {
    const home = tempHome();
    writeFileSync(join(home, 'person.json'), JSON.stringify({ type: 'object', properties: { name: { type: 'string' }, born: { type: 'integer' } }, required: ['name', 'born'] }));
    writeFileSync(join(home, 'bio.txt'), 'Ada Lovelace, born 1815\n');
    writeFileSync(join(home, 'review.aish'), "apollo --schema 'verdict, issues int' << 'looks fine'\n");
    const env = testEnv(home);
    env.PATH = `${dirname(AISH)}:${env.PATH}`;
    let status = 0;
    let stdout = '';
    try {
      stdout = execFileSync('sh', ['-c', line], { cwd: home, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      status = (error as { status: number }).status;
      stdout = (error as { stdout: string }).stdout;
    }
    expect(status).toBe(expectedStatus(line));
    if (line.includes('--events')) for (const event of stdout.trim().split('\n')) expect(JSON.parse(event)).toHaveProperty('type');
  });
});
