/**
 * `--json` everywhere: every command that prints data prints exactly one JSON
 * document with the fields docs/cli.md documents, embedded and with --server.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aishC, runAish, startServe, tempHome, type RunResult, type Served } from '../support/aish.js';

/** stdout as one JSON document (JSON.parse refuses two, or trailing text). */
function documentOf(result: RunResult): Record<string, unknown> {
  expect(result.stdout.endsWith('\n'), result.stderr).toBe(true);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

const EXCHANGE_FIELDS = ['time', 'command_line', 'specialist', 'model', 'message', 'answer', 'tokens_in', 'tokens_out', 'duration_ms', 'status', 'error_code', 'session_id', 'cost_usd'];

describe('aish --version --json', () => {
  it('is {name, version}; without --json the version alone', async () => {
    const plain = await runAish(['--version']);
    expect(plain.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(documentOf(await runAish(['--version', '--json']))).toEqual({ name: 'aish', version: plain.stdout.trim() });
  });
});

describe('aish ais --json', () => {
  it('is {ais: [specialist…], total}, however it is asked for', async () => {
    for (const args of [['ais', '--json'], ['--json', 'ais'], ['-l', '--json']]) {
      const document = documentOf(await runAish(args));
      expect(document.total).toBe((document.ais as unknown[]).length);
      expect((document.ais as Record<string, unknown>[])[0]).toMatchObject({
        id: 'apollo',
        name: expect.any(String),
        aliases: expect.any(Array),
        description: expect.any(String),
        status: 'active',
        model: 'echo',
        capabilities: { primary: expect.any(Array), scores: expect.any(Object) },
      });
    }
  });
});

describe('aish sessions … --json', () => {
  let home: string;
  beforeAll(async () => {
    home = tempHome();
    expect((await aishC('echo hi | apollo --session notes', { home })).status).toBe(0);
  });

  it('list is {sessions: [{id, name, specialist_id, message_count, …}], total}', async () => {
    const document = documentOf(await runAish(['sessions', 'list', '--json'], { home }));
    expect(document).toMatchObject({ total: 1, sessions: [{ id: expect.stringMatching(/^ses_/), name: 'notes', specialist_id: 'apollo', message_count: 2, last_activity: expect.any(String) }] });
  });

  it('show is the session with its messages [{role, content, timestamp}]', async () => {
    const document = documentOf(await runAish(['sessions', 'show', 'notes', '--json'], { home }));
    expect(document).toMatchObject({ name: 'notes', specialist_id: 'apollo', context_window: expect.any(Number) });
    expect(document.messages).toEqual([
      expect.objectContaining({ role: 'user', content: 'hi\n', timestamp: expect.any(String) }),
      expect.objectContaining({ role: 'assistant', content: '[apollo] hi\n' }),
    ]);
  });

  it('export is {format, version, session, messages}; import --json and rm --json say what they did', async () => {
    const exported = documentOf(await runAish(['sessions', 'export', 'notes'], { home }));
    expect(exported).toMatchObject({ format: 'aish-session', version: 1, session: { name: 'notes' }, messages: expect.any(Array) });
    const other = tempHome();
    writeFileSync(join(other, 'notes.json'), JSON.stringify(exported));
    const imported = documentOf(await runAish(['sessions', 'import', 'notes.json', '--json'], { home: other }));
    expect(imported).toMatchObject({ id: (exported.session as { id: string }).id, name: 'notes', message_count: 2 });
    expect(documentOf(await runAish(['--json', 'sessions', 'rm', 'notes'], { home: other }))).toEqual({ status: 'deleted', session_id: imported.id });
  });
});

describe('aish history --json', () => {
  it('is {exchanges: [{id, …the exchange fields}], total}; --cost --json is {since, by_model, total}', async () => {
    const home = tempHome();
    await aishC('echo hi | apollo', { home });
    const document = documentOf(await runAish(['history', '--json'], { home }));
    expect(document.total).toBe(1);
    const [exchange] = document.exchanges as Record<string, unknown>[];
    expect(Object.keys(exchange!).sort()).toEqual(['id', ...EXCHANGE_FIELDS, 'cache_key', 'cached_from'].sort());
    const cost = documentOf(await runAish(['history', '--cost', '--json'], { home }));
    expect(cost).toMatchObject({ since: null, by_model: [expect.objectContaining({ specialist: 'apollo', model: 'echo' })], total: expect.any(Object) });
  });
});

describe('aish --dry-run --json', () => {
  it('is {status, pipelines: [{text, when, background, stages}]}, each stage with its kind', async () => {
    const result = await runAish(['--dry-run', '--json', '-c', 'echo hi | apollo "review" > out.txt | wc -l && {athena | hermes}']);
    expect(result.status).toBe(0);
    const document = documentOf(result);
    expect(document.status).toBe(0);
    const [first, second] = document.pipelines as Record<string, unknown>[];
    expect(first).toMatchObject({ text: expect.stringContaining('apollo'), when: 'always', background: false });
    expect(first!.stages).toEqual([
      { kind: 'builtin', name: 'echo', args: ['hi'], redirects: [], input: 'first' },
      { kind: 'ai', specialist: 'apollo', written: 'apollo', resolved_by: 'id', model: 'echo', args: ['review'], redirects: ['> out.txt'], input: 'whole' },
      { kind: 'unix', program: 'wc', path: expect.stringMatching(/\/wc$/), args: ['-l'], redirects: [], input: 'streamed' },
    ]);
    expect(second).toMatchObject({ when: 'if-succeeded', stages: [{ kind: 'fanout', branches: [{ label: 'athena' }, { label: 'hermes' }] }] });
  });

  it('a syntax error is still one document: status 4, nothing planned', async () => {
    const result = await runAish(['--dry-run', '--json', '-c', 'echo hi |']);
    expect(result.status).toBe(4);
    expect(documentOf(result)).toEqual({ status: 4, pipelines: [] });
    expect(result.stderr).toContain('syntax error');
  });

  it('says who @capability would pick, and a name that does not resolve is an error entry (status 3)', async () => {
    const result = await runAish(['--dry-run', '--json', '-c', '@code-analysis hi; nosuchthing']);
    expect(result.status).toBe(3);
    const document = documentOf(result);
    const [routed, missing] = document.pipelines as Record<string, unknown>[];
    expect((routed!.stages as unknown[])[0]).toMatchObject({ kind: 'route', capability: 'code-analysis', specialist: expect.any(String), score: expect.any(Number), threshold: 0.7 });
    expect(missing).toMatchObject({ text: 'nosuchthing', error: { status: 3, message: expect.stringContaining('nosuchthing') } });
    expect(document.status).toBe(3);
  });
});

describe('aish --json -c LINE', () => {
  it('is {status, stdout, exchanges} with one exchange per AI call', async () => {
    const result = await runAish(['--json', '-c', 'echo hi | apollo']);
    expect(result.status).toBe(0);
    const document = documentOf(result);
    expect(document).toMatchObject({ status: 0, stdout: '[apollo] hi\n' });
    const exchanges = document.exchanges as Record<string, unknown>[];
    expect(exchanges).toHaveLength(1);
    expect(Object.keys(exchanges[0]!)).toEqual(EXCHANGE_FIELDS);
    expect(exchanges[0]).toMatchObject({ command_line: 'echo hi | apollo', specialist: 'apollo', model: 'echo', message: 'hi\n', answer: '[apollo] hi\n', status: 'ok', error_code: null });
    expect(exchanges[0]!.tokens_out).toEqual(expect.any(Number));
  });

  it('collects Unix output too, and a line without AI has no exchanges', async () => {
    const document = documentOf(await runAish(['--json', '-c', 'printf "a\\nb\\n" | wc -l']));
    expect(document).toEqual({ status: 0, stdout: expect.stringMatching(/^\s*2\n$/), exchanges: [] });
  });

  it('collects the output of every pipeline, $( … ) with two pipelines included', async () => {
    const document = documentOf(await runAish(['--json', '-c', 'echo "$(echo one; echo two)"; echo three']));
    expect(document).toEqual({ status: 0, stdout: 'one\ntwo\nthree\n', exchanges: [] });
  });

  it('a fan-out and a pipeline of AI stages give one exchange per call', async () => {
    const document = documentOf(await runAish(['--json', '-c', 'echo hi | apollo | athena; echo x | hermes,sophia']));
    const specialists = (document.exchanges as { specialist: string }[]).map((exchange) => exchange.specialist).sort();
    expect(specialists).toEqual(['apollo', 'athena', 'hermes', 'sophia']);
  });

  it('a failed call is an exchange with status error and its code; the document has the exit status', async () => {
    const result = await runAish(['--json', '-c', 'echo hi | apollo --model "echo?ttft_ms=3000" --timeout 0.2']);
    expect(result.status).toBe(5);
    const document = documentOf(result);
    expect(document.status).toBe(5);
    expect(document.exchanges).toEqual([expect.objectContaining({ specialist: 'apollo', status: 'error', error_code: 'TIMEOUT' })]);
    expect(result.stderr).toContain('timed out');
  });

  it('a syntax error is still one document, status 4', async () => {
    const result = await runAish(['--json', '-c', 'echo "unclosed']);
    expect(result.status).toBe(4);
    expect(documentOf(result)).toEqual({ status: 4, stdout: '', exchanges: [] });
  });

  it('a script file with --json is one document for the whole script', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'two.aish'), 'echo one | apollo\necho two | athena\n');
    const document = documentOf(await runAish(['--json', 'two.aish'], { home }));
    expect(document).toMatchObject({ status: 0, stdout: '[apollo] one\n[athena] two\n' });
    expect(document.exchanges).toHaveLength(2);
  });

  describe('with --server', () => {
    let server: Served;
    beforeAll(async () => {
      server = await startServe();
    });
    afterAll(() => server.stop());

    it('is the same document as embedded', async () => {
      const line = 'echo hi | apollo | athena';
      const remote = documentOf(await runAish(['--server', server.url, '--json', '-c', line]));
      const local = documentOf(await runAish(['--json', '-c', line]));
      const shape = (document: Record<string, unknown>): unknown => ({
        ...document,
        exchanges: (document.exchanges as Record<string, unknown>[]).map(({ time, duration_ms, ...rest }) => ({ ...rest, time: typeof time, duration_ms: typeof duration_ms })),
      });
      expect(shape(remote)).toEqual(shape(local));
      expect(remote).toMatchObject({ status: 0, stdout: '[athena] [apollo] hi\n' });
    });
  });
});
