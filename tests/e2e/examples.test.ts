/** The examples of docs/language.md, run as a user would (the session example needs the session store, a later issue). */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aishC, tempHome } from '../support/aish.js';

const ROSTER = ['apollo', 'athena', 'prometheus', 'hermes', 'sophia', 'telos', 'metis', 'harmonia', 'synthesis', 'engram', 'rhetor'];

describe('the examples of docs/language.md', () => {
  it('echo "Hello" | apollo', async () => {
    const result = await aishC('echo "Hello" | apollo');
    expect(result.stdout).toBe('[apollo] Hello\n');
  });

  it('echo "What is clean code?" | apollo | athena > answer.md writes only the file', async () => {
    const home = tempHome();
    const result = await aishC('echo "What is clean code?" | apollo | athena > answer.md', { home });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    expect(readFileSync(join(home, 'answer.md'), 'utf8')).toBe('[athena] [apollo] What is clean code?\n');
    expect(readdirSync(home).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('cat src/app.ts | apollo "find bugs" | tee review.md | wc -l', async () => {
    const home = tempHome();
    mkdirSync(join(home, 'src'));
    writeFileSync(join(home, 'src/app.ts'), 'const a = 1;\nconst b = 2;\n');
    const result = await aishC('cat src/app.ts | apollo "find bugs" | tee review.md | wc -l', { home });
    expect(readFileSync(join(home, 'review.md'), 'utf8')).toBe('[apollo] find bugs\n\nconst a = 1;\nconst b = 2;\n');
    expect(result.stdout.trim()).toBe('4');
  });

  it('apollo,athena,prometheus << "Analyze this design"', async () => {
    const result = await aishC('apollo,athena,prometheus << "Analyze this design"');
    expect(result.stdout).toBe(
      '── apollo ──\n[apollo] Analyze this design\n── athena ──\n[athena] Analyze this design\n── prometheus ──\n[prometheus] Analyze this design\n',
    );
  });

  it('{apollo|athena} | prometheus "merge these views" merges the headed answers', async () => {
    const result = await aishC('{apollo|athena} | prometheus "merge these views"', { stdin: 'the design\n' });
    expect(result.stdout).toBe(
      '[prometheus] merge these views\n\n── apollo ──\n[apollo] the design\n── athena ──\n[athena] the design\n',
    );
  });

  it('@code-analysis << "Review this function" routes to apollo and says so on stderr', async () => {
    const result = await aishC('@code-analysis << "Review this function"');
    expect(result.stdout).toBe('[apollo] Review this function\n');
    expect(result.stderr).toContain('→ apollo (code-analysis 0.95)');
  });

  it('git diff | @code-analysis "write a commit message" > msg.txt && git commit -F msg.txt', async () => {
    const home = tempHome();
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: home, env: { ...process.env, HOME: home }, encoding: 'utf8' });
    git('init', '-q');
    git('config', 'user.email', 'test@example.com');
    git('config', 'user.name', 'Test');
    writeFileSync(join(home, 'f.txt'), 'one\n');
    git('add', 'f.txt');
    git('commit', '-qm', 'first');
    writeFileSync(join(home, 'f.txt'), 'two\n');
    git('add', 'f.txt');
    const result = await aishC('git diff --cached | @code-analysis "write a commit message" > msg.txt && git commit -q -F msg.txt', { home });
    expect(result.status).toBe(0);
    const message = git('log', '-1', '--format=%B');
    expect(message).toContain('[apollo] write a commit message');
    expect(message).toContain('+two');
  });

  it('team-chat "What should we optimize?" asks every specialist, in roster order', async () => {
    const result = await aishC('team-chat "What should we optimize?"');
    const headers = result.stdout.split('\n').filter((line) => line.startsWith('── '));
    expect(headers).toEqual(ROSTER.map((id) => `── ${id} ──`));
    expect(result.stdout).toContain('[rhetor] What should we optimize?\n');
  });

  it('a here-document is the message', async () => {
    const result = await aishC('apollo << EOF\nline one\nline two\nEOF');
    expect(result.stdout).toBe('[apollo] line one\nline two\n');
  });

  it('leaves no temporary files behind', async () => {
    const home = tempHome();
    await aishC('echo x | apollo > out.md', { home });
    expect(existsSync(join(home, 'out.md'))).toBe(true);
    expect(readdirSync(home).some((name) => name.includes('.aish-'))).toBe(false);
  });
});
