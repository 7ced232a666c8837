/**
 * The top-level command line speaks one way: every command answers --help,
 * `aish help` prints the help, every error starts with `aish:`, a server's
 * token refusal is worded the same for chat and -c, and network failures are
 * said in words rather than library codes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aishC, homeWithConfig, runAish, startServe, tempHome } from '../support/aish.js';

describe('help', () => {
  it('aish help prints the help (not a script named help) and exits 0', async () => {
    const result = await runAish(['help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: aish [options]');
    expect(result.stdout).toBe((await runAish(['--help'])).stdout);
  });

  it("aish help with a topic that is no command says so, names the topics, prints nothing on stdout and exits 1", async () => {
    const result = await runAish(['help', 'sesions']);
    expect(result).toMatchObject({ status: 1, stdout: '' });
    expect(result.stderr).toMatch(/^aish: no help for 'sesions'; help is there for: ais, sessions, .*\('aish help' shows all of it\)\n$/);
  });

  for (const command of ['ais', 'chat', 'serve', 'history', 'completion']) {
    it(`aish ${command} --help and aish help ${command} print its help`, async () => {
      const flag = await runAish([command, '--help']);
      expect(flag.status).toBe(0);
      expect(flag.stdout).not.toBe('');
      const help = await runAish(['help', command]);
      expect(help.status).toBe(0);
      expect(help.stdout).toContain(`Usage: aish ${command}`);
    });
  }
});

describe('messages', () => {
  it("commander's errors start with aish:, at the top level and in a command", async () => {
    const top = await runAish(['--bogus']);
    expect(top.stderr).toBe("aish: unknown option '--bogus'\n");
    expect(top.status).toBe(1);
    const serve = await runAish(['serve', '--bogus']);
    expect(serve.stderr).toBe("aish: unknown option '--bogus'\n");
    const chat = await runAish(['chat']);
    expect(chat.stderr).toBe("aish: missing required argument 'name'\n");
  });

  it('sessions import of an existing id says --force once', async () => {
    const home = tempHome();
    await aishC('apollo --session demo hi', { home });
    const exported = await runAish(['sessions', 'export', 'demo'], { home });
    const file = join(home, 'demo.json');
    writeFileSync(file, exported.stdout);
    const again = await runAish(['sessions', 'import', file], { home });
    expect(again.status).not.toBe(0);
    expect(again.stderr.match(/force/g)).toHaveLength(1);
    expect(again.stderr).toContain('(use --force to replace it)');
  });

  it('aish chat and aish -c word a token refusal the same way', async () => {
    const server = await startServe(homeWithConfig('server:\n  token: s3cret\n'));
    try {
      const chat = await runAish(['chat', 'apollo', '--server', server.url], { stdin: 'hi\n' });
      expect(chat.stderr).toContain(`aish: chat: the server at ${server.url} needs a token: use --token or AISH_TOKEN`);
      expect(chat.stderr).not.toContain('Authorization');
      const line = await runAish(['--server', server.url, '-c', 'echo hi | apollo']);
      expect(line.stderr).toContain(`the server at ${server.url} needs a token: use --token or AISH_TOKEN`);
    } finally {
      await server.stop();
    }
  });

  it('network failures are said in words, not library codes', async () => {
    const toServer = await runAish(['--server', 'http://127.0.0.1:9', '-c', 'echo hi | apollo']);
    expect(toServer.stderr).toBe('aish: cannot reach the specialist server at http://127.0.0.1:9 (connection refused)\n');
    const home = homeWithConfig('providers:\n  ollama: { base_url: "http://127.0.0.1:9", limits: { max_attempts: 1 } }\ndefault_model: ollama/llama3.1\n');
    const toProvider = await aishC('echo hi | apollo', { home });
    expect(toProvider.stderr).toContain('cannot reach ollama at http://127.0.0.1:9/api/chat (connection refused)');
    expect(toProvider.stderr).not.toMatch(/E[A-Z]{4,}|UND_ERR/);
  });
});
