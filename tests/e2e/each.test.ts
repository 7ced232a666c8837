/** `--each`: one call per record, in input order, bounded, resumable with the cache (docs/records-budgets-cache.md). */
import { afterEach, describe, expect, it } from 'vitest';
import { faultHome } from '../faults/support/fault-home.js';
import { startServeWith, type ServeProcess } from '../faults/support/serve-process.js';
import { lastMessage, startScriptedProvider, type ScriptedProvider, type ScriptedRequest } from '../faults/support/scripted-provider.js';
import { aishC, collect, runAish, startAish, tempHome } from '../support/aish.js';

let fake: ScriptedProvider | undefined;
/** While true, a record `hang` waits a minute for its answer. */
let hanging = true;
let served: ServeProcess | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
  await fake?.close();
  fake = undefined;
});

/** The record a request carried (the message is the instruction, a blank line, then the record). */
function recordOf(request: ScriptedRequest): string {
  return lastMessage(request).split('\n\n').pop()!;
}

/**
 * A fake OpenAI answering `<record>!`: a record `wait-N` waits N ms before
 * answering, `fail` gets a 400 (not retried).
 */
async function recordsHome(): Promise<string> {
  fake = await startScriptedProvider([], (request) => {
    const record = recordOf(request);
    if (record === 'fail') return { kind: 'status', status: 400, message: 'this record is refused' };
    if (record === 'hang' && hanging) return { kind: 'answer', pieces: ['late'], delayMs: 60_000 };
    const wait = /^wait-(\d+)$/.exec(record);
    return { kind: 'answer', pieces: [`${record}!`, '\n'], ...(wait && { delayMs: Number(wait[1]) }) };
  });
  return faultHome(fake.origin, { limits: { first_token_timeout: 120 } });
}

describe('--each', () => {
  it('keeps input order when later records finish first', { timeout: 60_000 }, async () => {
    const home = await recordsHome();
    const input = 'wait-900\nwait-600\nwait-300\nwait-0\n';
    const result = await runAish(['-q', '-c', 'apollo --each -j 4 "tag"'], { home, stdin: input });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('wait-900!\nwait-600!\nwait-300!\nwait-0!\n');
    // They ran at once: the fastest was asked before the slowest answered.
    expect(fake!.maxInFlight()).toBe(4);
  });

  it('-j bounds the calls at once, as the provider sees them', { timeout: 60_000 }, async () => {
    const home = await recordsHome();
    const input = Array.from({ length: 12 }, () => 'wait-150').join('\n') + '\n';
    const result = await runAish(['-q', '-c', 'apollo --each -j 3'], { home, stdin: input });
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')).toHaveLength(13);
    expect(fake!.requests).toHaveLength(12);
    expect(fake!.maxInFlight()).toBe(3);
  });

  it('keeps empty and failed records in place, says which failed, and ends with status 1', { timeout: 60_000 }, async () => {
    const home = await recordsHome();
    const result = await runAish(['-q', '-c', 'apollo --each'], { home, stdin: 'one\n\nfail\nfour\n' });
    expect(result.stdout).toBe('one!\n\n\nfour!\n');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('aish: apollo: record 3: provider returned an error (openai, 400): this record is refused\naish: apollo: 1 of 4 records failed (3)\n');
    // The empty record made no call.
    expect(fake!.requests.map(recordOf)).toEqual(expect.arrayContaining(['one', 'fail', 'four']));
    expect(fake!.requests).toHaveLength(3);
  });

  it('--json prints one object per record, failures included', { timeout: 60_000 }, async () => {
    const home = await recordsHome();
    const result = await runAish(['-q', '-c', 'apollo --each --json'], { home, stdin: 'one\nfail\n' });
    expect(result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual([
      { record: 1, input: 'one', content: 'one!\n', status: 'success' },
      { record: 2, input: 'fail', content: '', status: 'error', error: { code: 'PROVIDER_ERROR', message: 'provider returned an error (openai, 400): this record is refused' } },
    ]);
  });

  it('cuts paragraphs, NUL-terminated records and JSON lines, and ends each answer with its separator', { timeout: 60_000 }, async () => {
    const home = tempHome();
    const paragraphs = await runAish(['-q', '-c', 'apollo --records paragraphs'], { home, stdin: 'a1\na2\n\n\nb1\n' });
    expect(paragraphs.stdout).toBe('[apollo] a1\na2\n\n[apollo] b1\n\n');
    const nul = await runAish(['-q', '-c', 'apollo --records nul'], { home, stdin: 'x\0y z\0' });
    expect(nul.stdout).toBe('[apollo] x\0[apollo] y z\0');
    const jsonl = await runAish(['-q', '-c', 'apollo --records jsonl'], { home, stdin: '{"id":1}\nnot json\n' });
    expect(jsonl.stdout).toBe('[apollo] {"id":1}\n\n');
    expect(jsonl.status).toBe(1);
    expect(jsonl.stderr).toMatch(/^aish: apollo: record 2: not a JSON value/);
  });

  it('works with --schema: one compact JSON value per record', { timeout: 60_000 }, async () => {
    const result = await runAish(['-q', '-c', "apollo --each --schema 'name, age int'"], { home: tempHome(), stdin: 'Ada\nAlan\n' });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('{"name":"Ada","age":0}\n{"name":"Alan","age":0}\n');
  });

  it('is refused with --session, and -j above 64', async () => {
    const home = tempHome();
    const session = await aishC('echo x | apollo --each --session s', { home });
    expect(session.status).toBe(1);
    expect(session.stderr).toMatch(/--each cannot be used with --session/);
    const jobs = await aishC('echo x | apollo --each -j 65', { home });
    expect(jobs.status).toBe(1);
    expect(jobs.stderr).toBe("aish: apollo: '-j' needs a whole number from 1 to 64, not '65'\n");
  });

  it('reads an endless input as it comes: | head stops it', { timeout: 60_000 }, async () => {
    const result = await aishC('yes hello | apollo --each -j 8 | head -3', { home: tempHome() });
    expect(result.stdout).toBe('[apollo] hello\n'.repeat(3));
  });

  it('Ctrl-C prints the records done before the first unfinished one (130); the same line with --cache calls only the rest', { timeout: 90_000 }, async () => {
    const home = await recordsHome();
    hanging = true;
    const input = 'r1\nr2\nr3\nhang\nr5\nr6\n';
    const child = startAish(['-q', '-c', 'apollo --each -j 2'], { home });
    const done = collect(child, input);
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    // r1…r3 answered and written, r4 hanging at the provider, r5 on its way.
    await expect.poll(() => stdout, { timeout: 30_000 }).toBe('r1!\nr2!\nr3!\n');
    await expect.poll(() => fake!.requests.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
    child.kill('SIGINT');
    const first = await done;
    expect(first.status).toBe(130);
    expect(first.stdout).toBe('r1!\nr2!\nr3!\n');
    const before = fake!.requests.length;
    hanging = false;
    const again = await runAish(['-q', '--cache', '-c', 'apollo --each -j 2'], { home, stdin: input });
    expect(again.stdout).toBe('r1!\nr2!\nr3!\nhang!\nr5!\nr6!\n');
    const asked = fake!.requests.slice(before).map(recordOf);
    expect(asked).toContain('hang');
    expect(asked).not.toContain('r1');
    expect(asked).not.toContain('r2');
    expect(asked).not.toContain('r3');
  });

  it('with --server gives the same output, the calls going to the server', { timeout: 60_000 }, async () => {
    const home = await recordsHome();
    served = await startServeWith([], { home });
    const result = await runAish(['-q', '--server', served.url, '-c', 'apollo --each -j 3'], { home, stdin: 'wait-300\n\nfail\nwait-0\n' });
    expect(result.stdout).toBe('wait-300!\n\n\nwait-0!\n');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('aish: apollo: record 3: provider returned an error (openai, 400): this record is refused\naish: apollo: 1 of 4 records failed (3)\n');
  });
});
