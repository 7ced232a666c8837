/**
 * The examples of docs/language.md "Examples", run as written from the real
 * CLI against a real provider adapter: a fake OpenAI server replays the
 * recorded streaming transcript (tests/fixtures/providers) for every call,
 * so every answer is that transcript's text, and what each stage sent is
 * checked in the requests it received. The echo-model runs of the same lines
 * are examples.test.ts and script-examples.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, fixtureReply } from '../providers/support/fixtures.js';
import { startFakeProviderServer, type FakeProviderServer } from '../providers/support/fake-provider-server.js';
import { aishC, homeWithConfig } from '../support/aish.js';

const TRANSCRIPT = 'openai-chat-stream.sse';
const ANSWER = fixture(TRANSCRIPT).expectedText!;
const ROSTER_SIZE = 11;

let fake: FakeProviderServer;
beforeAll(async () => {
  fake = await startFakeProviderServer(fixtureReply(TRANSCRIPT), 'bytes');
});
afterAll(() => fake.close());

/** A home whose config sends every specialist to the fake OpenAI server. */
function providerHome(): string {
  return homeWithConfig(`providers:\n  openai: { api_key: sk-test, base_url: "${fake.origin}/v1" }\ndefault_model: openai/gpt-4o-mini\n`);
}

/** Runs a line and returns its result with the bodies of the provider requests it made. */
async function run(line: string, home = providerHome()): Promise<Awaited<ReturnType<typeof aishC>> & { sent: string[]; home: string }> {
  const before = fake.requests.length;
  const result = await aishC(line, { home });
  return { ...result, home, sent: fake.requests.slice(before).map((request) => request.body) };
}

function git(home: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: home, env: { ...process.env, HOME: home, GIT_CONFIG_NOSYSTEM: '1' }, encoding: 'utf8' });
}

describe('the examples of docs/language.md against a recorded provider transcript', { timeout: 60_000 }, () => {
  it('echo "Hello" | apollo', async () => {
    const result = await run('echo "Hello" | apollo');
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(ANSWER + '\n');
    expect(result.sent).toHaveLength(1);
    expect(result.sent[0]).toContain('Hello\\n');
  });

  it('echo "What is clean code?" | apollo | athena > answer.md', async () => {
    const result = await run('echo "What is clean code?" | apollo | athena > answer.md');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    expect(readFileSync(join(result.home, 'answer.md'), 'utf8')).toBe(ANSWER + '\n');
    expect(result.sent).toHaveLength(2);
    // athena got apollo's whole answer as its message.
    expect(JSON.parse(result.sent[1]!).messages.at(-1).content).toBe(ANSWER);
  });

  it('cat src/app.ts | apollo "find bugs" | tee review.md | wc -l', async () => {
    const home = providerHome();
    mkdirSync(join(home, 'src'));
    writeFileSync(join(home, 'src/app.ts'), 'const a = 1;\n');
    const result = await run('cat src/app.ts | apollo "find bugs" | tee review.md | wc -l', home);
    expect(readFileSync(join(home, 'review.md'), 'utf8')).toBe(ANSWER + '\n');
    expect(result.stdout.trim()).toBe('1');
    expect(JSON.parse(result.sent[0]!).messages.at(-1).content).toBe('find bugs\n\nconst a = 1;\n');
  });

  it('apollo,athena,prometheus << "Analyze this design"', async () => {
    const result = await run('apollo,athena,prometheus << "Analyze this design"');
    expect(result.stdout).toBe(['apollo', 'athena', 'prometheus'].map((id) => `── ${id} ──\n${ANSWER}\n`).join(''));
    expect(result.sent).toHaveLength(3);
  });

  it('{apollo|athena} | prometheus "merge these views"', async () => {
    const home = providerHome();
    const before = fake.requests.length;
    const result = await aishC('{apollo|athena} | prometheus "merge these views"', { home, stdin: 'the design\n' });
    expect(result.stdout).toBe(ANSWER + '\n');
    const merged = JSON.parse(fake.requests[before + 2]!.body).messages.at(-1).content as string;
    expect(merged).toBe(`merge these views\n\n── apollo ──\n${ANSWER}\n── athena ──\n${ANSWER}\n`);
  });

  it('@code-analysis << "Review this function"', async () => {
    const result = await run('@code-analysis << "Review this function"');
    expect(result.stdout).toBe(ANSWER + '\n');
    expect(result.stderr).toContain('→ apollo (code-analysis 0.95)');
  });

  it('git diff | @code-analysis "write a commit message" > msg.txt && git commit -F msg.txt', async () => {
    const home = providerHome();
    git(home, 'init', '-q');
    git(home, 'config', 'user.email', 'test@example.com');
    git(home, 'config', 'user.name', 'Test');
    writeFileSync(join(home, 'f.txt'), 'one\n');
    git(home, 'add', 'f.txt');
    git(home, 'commit', '-qm', 'first');
    writeFileSync(join(home, 'f.txt'), 'two\n');
    git(home, 'add', 'f.txt');
    const result = await run('git diff --cached | @code-analysis "write a commit message" > msg.txt && git commit -q -F msg.txt', home);
    expect(result.status).toBe(0);
    expect(git(home, 'log', '-1', '--format=%B').trim()).toBe(ANSWER);
    expect(result.sent[0]).toContain('+two');
  });

  it('echo "My name is Casey" | apollo --session demo ; echo "What is my name?" | apollo --session demo', async () => {
    const result = await run('echo "My name is Casey" | apollo --session demo ; echo "What is my name?" | apollo --session demo');
    expect(result.stdout).toBe(`${ANSWER}\n${ANSWER}\n`);
    // The second call carries the first exchange: the session remembers.
    const messages = JSON.parse(result.sent[1]!).messages as { role: string; content: string }[];
    expect(messages.map((message) => message.content)).toEqual(expect.arrayContaining(['My name is Casey\n', ANSWER, 'What is my name?\n']));
  });

  it('team-chat "What should we optimize?"', async () => {
    const result = await run('team-chat "What should we optimize?"');
    expect(result.stdout.split('\n').filter((line) => line.startsWith('── '))).toHaveLength(ROSTER_SIZE);
    expect(result.stdout.split(`${ANSWER}\n`)).toHaveLength(ROSTER_SIZE + 1);
    expect(result.sent).toHaveLength(ROSTER_SIZE);
  });

  it('apollo << EOF … EOF', async () => {
    const result = await run('apollo << EOF\nline one\nline two\nEOF');
    expect(result.stdout).toBe(ANSWER + '\n');
    expect(JSON.parse(result.sent[0]!).messages.at(-1).content).toBe('line one\nline two\n');
  });

  it('for f in notes/*.md; do apollo "one-line summary" < "$f"; done > summaries.txt', async () => {
    const home = providerHome();
    mkdirSync(join(home, 'notes'));
    writeFileSync(join(home, 'notes/b.md'), 'second\n');
    writeFileSync(join(home, 'notes/a.md'), 'first\n');
    const result = await run('for f in notes/*.md; do apollo "one-line summary" < "$f"; done > summaries.txt', home);
    expect(result.status).toBe(0);
    expect(readFileSync(join(home, 'summaries.txt'), 'utf8')).toBe(`${ANSWER}\n${ANSWER}\n`);
    expect(result.sent.map((body) => JSON.parse(body).messages.at(-1).content)).toEqual(['one-line summary\n\nfirst\n', 'one-line summary\n\nsecond\n']);
  });

  it('if git diff --quiet; then echo clean; else git diff | apollo "review" > review.md; fi', async () => {
    const home = providerHome();
    git(home, 'init', '-q');
    writeFileSync(join(home, 'f.txt'), 'one\n');
    git(home, 'add', 'f.txt');
    const line = 'if git diff --quiet; then echo clean; else git diff | apollo "review" > review.md; fi';
    const clean = await run(line, home);
    expect(clean.stdout).toBe('clean\n');
    expect(clean.sent).toEqual([]);
    writeFileSync(join(home, 'f.txt'), 'two\n');
    const dirty = await run(line, home);
    expect(dirty.status).toBe(0);
    expect(readFileSync(join(home, 'review.md'), 'utf8')).toBe(ANSWER + '\n');
    expect(dirty.sent[0]).toContain('+two');
  });

  it('n=0; cat tickets.txt | while read -r t || [ -n "$t" ]; do n=$((n+1)); echo "$n: $t" | apollo; done reads every ticket, the last without a newline too', async () => {
    const home = providerHome();
    writeFileSync(join(home, 'tickets.txt'), 'login fails\nslow page');
    const result = await run('n=0; cat tickets.txt | while read -r t || [ -n "$t" ]; do n=$((n+1)); echo "$n: $t" | apollo; done', home);
    expect(result.stdout).toBe(`${ANSWER}\n${ANSWER}\n`);
    expect(result.sent.map((body) => JSON.parse(body).messages.at(-1).content)).toEqual(['1: login fails\n', '2: slow page\n']);
  });
});
