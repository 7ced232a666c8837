/** `aish serve` and `aish --server`, as a user runs them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aishC, runAish, startServe, type Served } from '../support/aish.js';

let server: Served;
let url: string;

beforeAll(async () => {
  server = await startServe();
  url = server.url;
});

afterAll(async () => {
  await server.stop();
});

describe('aish serve and --server', () => {
  it('prints where it listens and answers health', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const reply = await fetch(`${url}/health`);
    expect(await reply.json()).toMatchObject({ status: 'ok' });
  });

  it('a pipeline through the server prints the same as the embedded run', async () => {
    const lines = [
      'echo hi | apollo | athena',
      'apollo,athena << "x"',
      'echo msg | apollo,athena',
      '{apollo|athena|prometheus} << "q"',
      'echo v | {apollo|athena} | prometheus "merge these views"',
      '{(apollo | athena), hermes} << "p"',
      '@code-analysis << "y"',
      '@planning "be brief" << "z"',
      'echo w | @writing',
      'team-chat "What should we optimize?"',
      'apollo,athena --json << "j"',
      '{apollo --model ollama/nothing-here, athena} << "f"',
      'printf "a\\nb\\n" | apollo | wc -l',
    ];
    for (const line of lines) {
      const embedded = await aishC(line);
      const remote = await runAish(['--server', url, '-c', line]);
      expect({ line, stdout: remote.stdout, status: remote.status }).toEqual({ line, stdout: embedded.stdout, status: embedded.status });
    }
  });

  it('AISH_SERVER works too, and the echo notice comes from the client', async () => {
    const result = await aishC('echo hi | apollo', { env: { AISH_SERVER: url } });
    expect(result.stdout).toBe('[apollo] hi\n');
    expect(result.stderr).toContain('offline echo model');
  });

  it('a misspelt name is found wrong from the server list, exit 3', async () => {
    const result = await runAish(['--server', url, '-c', 'echo hi | apolo']);
    expect(result.status).toBe(3);
    expect(result.stderr).toContain("Did you mean: apollo?");
  });

  it('aish ais lists the server’s specialists', async () => {
    const result = await runAish(['--server', url, 'ais', '--json']);
    expect(JSON.parse(result.stdout).total).toBe(11);
  });

  it('an unreachable server exits 2 with one clear line', async () => {
    const result = await runAish(['--server', 'http://127.0.0.1:9', '-c', 'echo hi | apollo']);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('aish: cannot reach the specialist server at http://127.0.0.1:9 (connection refused)');
  });

  it('a port in use is a clear error', async () => {
    const port = new URL(url).port;
    const result = await runAish(['serve', '--port', port]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('EADDRINUSE');
  });
});
