/**
 * `aish --events`: only newline-delimited JSON events on stdout, every event
 * type in the order the run makes them, embedded and with `--server`; the
 * process exits with `run.done`'s status.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAish, startServe, tempHome, type Served } from '../support/aish.js';

let served: Served | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
});

interface Event {
  type: string;
  time: string;
  [field: string]: unknown;
}

/** Every stdout line as an event; a line that does not parse fails the test. */
function eventsOf(stdout: string): Event[] {
  expect(stdout.endsWith('\n')).toBe(true);
  return stdout
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Event);
}

const LINE = "apollo << 'hi'; apolo x";

/** What `LINE` makes, event by event. */
function expectTheRun(events: Event[]): void {
  expect(events.map((event) => event.type)).toEqual([
    'run.start',
    'stage.start',
    'notice',
    'stage.delta',
    'stdout',
    'stage.delta',
    'stdout',
    'stdout',
    'stage.done',
    'error',
    'run.done',
  ]);
  for (const event of events) expect(new Date(event.time).toISOString()).toBe(event.time);
  const [start, stage, notice, delta, stdout, , , newline, done, error, end] = events;
  expect(start).toMatchObject({ line: LINE });
  expect(stage).toMatchObject({ pipeline: 0, stage: 0, kind: 'ai', specialist: 'apollo', model: 'echo' });
  expect(notice!.message).toMatch(/^aish: note: answers come from the offline echo model/);
  expect(delta).toMatchObject({ pipeline: 0, stage: 0, text: '[apollo] ' });
  expect(stdout).toMatchObject({ text: '[apollo] ' });
  expect(newline).toMatchObject({ text: '\n' });
  expect(done).toMatchObject({ pipeline: 0, stage: 0, status: 0, tokens_in: 31, tokens_out: 2, cost_usd: 0, cached: false });
  expect(error).toMatchObject({ message: "aish: 'apolo' not found. Did you mean: apollo?" });
  expect(end).toMatchObject({ status: 3, cost_usd: 0 });
}

describe('aish --events', () => {
  it('writes every event type in order, each line JSON, and exits with run.done’s status', async () => {
    const result = await runAish(['--events', '-c', LINE]);
    expectTheRun(eventsOf(result.stdout));
    expect(result.status).toBe(3);
    expect(result.stderr).toBe('');
  });

  it('gives the same events with --server', { timeout: 60_000 }, async () => {
    served = await startServe();
    const result = await runAish(['--server', served.url, '--events', '-c', LINE]);
    expectTheRun(eventsOf(result.stdout));
    expect(result.status).toBe(3);
  });

  it('numbers pipelines and stages, and says which fan-out branch a delta is from', async () => {
    const events = eventsOf((await runAish(['-q', '--events', '-c', "echo hi | wc -c; apollo,athena << 'yo'"])).stdout);
    const starts = events.filter((event) => event.type === 'stage.start').map(({ pipeline, stage, kind }) => ({ pipeline, stage, kind }));
    expect(starts).toEqual([
      { pipeline: 0, stage: 0, kind: 'builtin' },
      { pipeline: 0, stage: 1, kind: 'unix' },
      { pipeline: 1, stage: 0, kind: 'fanout' },
    ]);
    const branches = events.filter((event) => event.type === 'stage.delta').map(({ branch, text }) => `${branch}:${text}`);
    expect(branches.sort()).toEqual(['0:[apollo] ', '0:yo', '1:[athena] ', '1:yo']);
    expect(events.filter((event) => event.type === 'stdout').map((event) => event.text).join('')).toBe('3\n── apollo ──\n[apollo] yo\n── athena ──\n[athena] yo\n');
  });

  it('runs scripts, names them in run.start, and a typed answer that does not parse ends as its status', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'job.aish'), "apollo --schema 'name' << 'Ada'\nexit 5\n");
    const result = await runAish(['-q', '--events', 'job.aish'], { home });
    const events = eventsOf(result.stdout);
    expect(events[0]).toMatchObject({ type: 'run.start', script: 'job.aish' });
    expect(events.find((event) => event.type === 'stage.delta')).toMatchObject({ text: '{"name":"Ada"}' });
    expect(events.at(-1)).toMatchObject({ type: 'run.done', status: 5 });
    expect(result.status).toBe(5);
  });

  it('a syntax error is an error event and status 4', async () => {
    const result = await runAish(['--events', '-c', 'echo "hi" | apollo |']);
    const events = eventsOf(result.stdout);
    expect(events.map((event) => event.type)).toEqual(['run.start', 'error', 'run.done']);
    expect(events[1]!.message).toMatch(/^aish: syntax error at 1:20/);
    expect(result.status).toBe(4);
  });

  it('--events with --json is an error', async () => {
    const result = await runAish(['--events', '--json', '-c', 'echo hi']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('aish: --events and --json cannot be used together (each is a whole stdout format)\n');
  });
});

describe('stage.done and the cache', () => {
  it('says cached: true when the stage was answered from the cache, for one call and for --each', { timeout: 60_000 }, async () => {
    const home = tempHome();
    const stageDone = async (line: string, stdin?: string): Promise<Event> => {
      const result = await runAish(['-q', '--cache', '--events', '-c', line], { home, ...(stdin !== undefined && { stdin }) });
      return eventsOf(result.stdout).find((event) => event.type === 'stage.done')!;
    };
    expect(await stageDone("apollo << 'cache me'")).toMatchObject({ status: 0, cached: false });
    expect(await stageDone("apollo << 'cache me'")).toMatchObject({ status: 0, cached: true, cost_usd: 0 });
    expect(await stageDone('apollo --each tag', 'a\nb\n')).toMatchObject({ status: 0, cached: false, tokens_out: expect.any(Number) });
    expect(await stageDone('apollo --each tag', 'a\nb\n')).toMatchObject({ status: 0, cached: true, cost_usd: 0 });
    expect(await stageDone('apollo --each tag', 'a\nc\n')).toMatchObject({ status: 0, cached: false });
  });
});

