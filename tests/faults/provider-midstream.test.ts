/**
 * Fault injection, mid-stream: once part of an answer went out, a failure is
 * reported (never retried, which would repeat text), the exit status says so,
 * `> file` keeps its old content, a session keeps no partial exchange, and
 * the server answers the next request normally.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAish, startServe, tempHome, type Served } from '../support/aish.js';
import { faultHome, fileContent, sessionMessages } from './support/fault-home.js';
import { chunk, startScriptedProvider, type ScriptedProvider, type Step } from './support/scripted-provider.js';

let fake: ScriptedProvider | undefined;
let served: Served | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
  await fake?.close();
  fake = undefined;
});

interface Case {
  name: string;
  step: Step;
  /** What stderr says after `aish: apollo: `. */
  error: RegExp;
}

const cases: Case[] = [
  {
    name: '529 overloaded mid-stream',
    step: { kind: 'pieces-then', pieces: ['Partial ', 'answer'], then: 'overloaded' },
    error: /^aish: apollo: provider failed mid-stream \(openai, overloaded_error\): Overloaded; the answer is incomplete$/m,
  },
  {
    name: 'a connection dropped mid-stream (UND_ERR_SOCKET, said in words)',
    step: { kind: 'pieces-then', pieces: ['Partial ', 'answer'], then: 'drop' },
    error: /^aish: apollo: lost the connection to openai at http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions \(the connection was closed\); the answer is incomplete$/m,
  },
  {
    name: 'malformed SSE (data that is not JSON)',
    step: { kind: 'raw', writes: [chunk('Partial '), chunk('answer'), 'data: {this is not json}\n\n'] },
    error: /^aish: apollo: provider sent a malformed stream \(openai, invalid JSON "\{this is not json\}"\); the answer is incomplete$/m,
  },
  {
    name: 'truncated JSON (the body ends inside an event)',
    step: { kind: 'raw', writes: [chunk('Partial '), chunk('answer'), 'data: {"choices":[{"index":0,"delta":{"content":"hel'] },
    error: /^aish: apollo: provider ended the stream early \(openai, no \[DONE\]\); the answer is incomplete$/m,
  },
];

for (const mode of ['embedded', 'server'] as const) {
  describe(`failures after the first token (${mode})`, () => {
    for (const { name, step, error } of cases) {
      it(`${name}: the partial answer, one error line, exit 1, no retry; file and session untouched; the next call works`, async () => {
        fake = await startScriptedProvider([{ kind: 'answer', pieces: ['first answer'] }, step], { kind: 'answer', pieces: ['next answer'] });
        const home = faultHome(fake.origin);
        if (mode === 'server') served = await startServe(home);
        const client = mode === 'server' ? tempHome() : home;
        const server = served ? ['--server', served.url] : [];
        const aish = (line: string) => runAish([...server, '-c', line], { home: client });

        expect((await aish('apollo --session keep << "one"')).stdout).toBe('first answer\n');
        // Streamed to stdout: the part that arrived is shown, and the error says it is incomplete.
        const result = await aish('apollo --session keep << "two"');
        expect(result.stdout).toBe('Partial answer\n');
        expect(result.stderr).toMatch(error);
        expect(result.stderr).toMatch(/nothing was stored in session ses_\w+/);
        expect(result.status).toBe(1);
        expect(fake.requests).toHaveLength(2);
        expect(await sessionMessages(client, 'keep', served?.url)).toEqual(['user: one', 'assistant: first answer']);

        // The same failure into a file: the old content stays.
        fake.script([step]);
        writeFileSync(join(client, 'out.txt'), 'old content\n');
        const redirected = await aish('apollo << "three" > out.txt');
        expect(redirected.status).toBe(1);
        expect(redirected.stdout).toBe('');
        expect(fileContent(join(client, 'out.txt'))).toBe('old content\n');
        // A file that did not exist is not left behind half-written.
        fake.script([step]);
        expect((await aish('apollo << "four" > new.txt')).status).toBe(1);
        expect(fileContent(join(client, 'new.txt'))).toBeUndefined();

        const next = await aish('apollo << "five"');
        expect(next.stdout).toBe('next answer\n');
        expect(next.status).toBe(0);

        // The exchange log has one whole row per call, the failed ones marked as errors with what arrived.
        const log = JSON.parse((await runAish(['history', '--json'], { home: client })).stdout) as {
          exchanges: { message: string; answer: string; status: string; error_code: string | null }[];
        };
        expect(log.exchanges.map((row) => [row.message, row.status])).toEqual([
          ['one', 'ok'],
          ['two', 'error'],
          ['three', 'error'],
          ['four', 'error'],
          ['five', 'ok'],
        ]);
        expect(log.exchanges[1]).toMatchObject({ answer: 'Partial answer', error_code: expect.any(String) });
      });
    }
  });
}

describe('stream faults before the first token', () => {
  it('malformed SSE before any text is not retried (the same request would get the same): exit 1', async () => {
    fake = await startScriptedProvider([{ kind: 'raw', writes: ['data: {oops\n\n'] }], { kind: 'answer', pieces: ['unused'] });
    const home = faultHome(fake.origin);
    const result = await runAish(['-c', 'apollo << "x"'], { home });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^aish: apollo: provider sent a malformed stream \(openai, invalid JSON "\{oops"\)$/m);
    expect(fake.requests).toHaveLength(1);
  });

  it('a stream cut before any text is retried, and the retry answers', async () => {
    fake = await startScriptedProvider([{ kind: 'raw', writes: ['data: {"choices":[{"index":0,"delta":{"content":"hel'] }], { kind: 'answer', pieces: ['whole'] });
    const home = faultHome(fake.origin);
    const result = await runAish(['-c', 'apollo << "x"'], { home });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('whole\n');
    expect(result.status).toBe(0);
    expect(fake.requests).toHaveLength(2);
  });

  it('a connection dropped before any text is retried', async () => {
    fake = await startScriptedProvider([{ kind: 'pieces-then', pieces: [], then: 'drop' }], { kind: 'answer', pieces: ['recovered'] });
    const home = faultHome(fake.origin);
    const result = await runAish(['-c', 'apollo << "x"'], { home });
    expect(result.stdout).toBe('recovered\n');
    expect(result.status).toBe(0);
    expect(fake.requests).toHaveLength(2);
  });
});
