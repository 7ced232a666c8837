/**
 * `aish completion bash|zsh|fish`: the bash script is loaded in a real bash
 * and asked for completions the way bash asks (COMP_WORDS, COMP_CWORD); the
 * zsh and fish scripts are checked by their shells when installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AISH, aishC, runAish, startServe, tempHome, testEnv, type Served } from '../support/aish.js';

/** PATH with the folder holding bin/aish first, so the scripts' `aish` is this one. */
const PATH = `${dirname(AISH)}:${process.env.PATH}`;

/**
 * What bash offers for `words` (the last one is the word being completed):
 * the script is sourced as a user would, then `_aish` runs as on Tab.
 */
function bashComplete(words: string[], home: string, env: Record<string, string> = {}): string[] {
  const script = 'source <(aish completion bash) || exit 9; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _aish; printf "%s\\n" "${COMPREPLY[@]}"';
  const result = spawnSync('bash', ['-c', script, 'bash', ...words], { cwd: home, env: testEnv(home, { PATH, ...env }), encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.split('\n').filter((line) => line !== '');
}

function installed(shell: string): boolean {
  return spawnSync(shell, ['-c', 'exit 0'], { stdio: 'ignore' }).status === 0;
}

let home: string;
beforeAll(async () => {
  home = tempHome();
  // A specialist only this home's config has: its name can only come from asking aish.
  mkdirSync(join(home, '.config', 'aish'), { recursive: true });
  writeFileSync(join(home, '.config', 'aish', 'config.yaml'), 'specialists:\n  zephyr:\n    model: echo\n    system: You are Zephyr.\n');
  const made = await aishC('echo hi | apollo --session demo-notes', { home, env: { PATH } });
  expect(made.status).toBe(0);
});

describe('bash completion', () => {
  it('completes subcommands', () => {
    expect(bashComplete(['aish', 'se'], home).sort()).toEqual(['serve', 'sessions']);
    expect(bashComplete(['aish', ''], home)).toEqual(expect.arrayContaining(['ais', 'sessions', 'chat', 'serve', 'history', 'completion']));
  });

  it('completes global flags and each subcommand’s own flags', () => {
    expect(bashComplete(['aish', '--ser'], home)).toEqual(['--server']);
    expect(bashComplete(['aish', '--r'], home).sort()).toEqual(['--raw', '--render']);
    expect(bashComplete(['aish', 'serve', '--p'], home)).toEqual(['--port']);
    expect(bashComplete(['aish', 'chat', '--'], home)).toContain('--session');
    expect(bashComplete(['aish', 'sessions', '--'], home).sort()).toEqual(['--force', '--help', '--json', '--ttl']);
  });

  it('completes specialist names after chat, asked from aish at completion time', () => {
    const all = bashComplete(['aish', 'chat', ''], home);
    expect(all).toEqual(expect.arrayContaining(['apollo', 'athena', 'zephyr']));
    expect(bashComplete(['aish', 'chat', 'ze'], home)).toEqual(['zephyr']);
    // Only the first argument of chat is a specialist.
    expect(bashComplete(['aish', 'chat', 'apollo', ''], home)).toEqual([]);
  });

  it('completes the verbs of the sessions builtin’s table, and session names after renew and the delete alias', () => {
    expect(bashComplete(['aish', 'sessions', 'r'], home).sort()).toEqual(['renew', 'rm']);
    expect(bashComplete(['aish', 'sessions', 'renew', 'dem'], home)).toEqual(['demo-notes']);
    expect(bashComplete(['aish', 'sessions', 'delete', 'dem'], home)).toEqual(['demo-notes']);
  });

  it('completes session names after sessions show|rm|export, --session, and sessions verbs', () => {
    expect(bashComplete(['aish', 'sessions', 's'], home)).toEqual(['show']);
    expect(bashComplete(['aish', 'sessions', 'show', 'demo'], home)).toEqual(['demo-notes']);
    expect(bashComplete(['aish', 'sessions', 'rm', 'dem'], home)).toEqual(['demo-notes']);
    expect(bashComplete(['aish', 'chat', 'apollo', '--session', 'd'], home)).toEqual(['demo-notes']);
    expect(bashComplete(['aish', 'sessions', 'show', 'ses_'], home)).toHaveLength(1);
  });

  it('a value that is not a name (a port, a timeout) completes nothing', () => {
    expect(bashComplete(['aish', 'serve', '--port', ''], home)).toEqual([]);
    expect(bashComplete(['aish', '--timeout', ''], home)).toEqual([]);
  });

  it('completes shells after completion, files after sessions import and for a script', () => {
    expect(bashComplete(['aish', 'completion', ''], home).sort()).toEqual(['bash', 'fish', 'zsh']);
    writeFileSync(join(home, 'review.aish'), 'echo hi\n');
    expect(bashComplete(['aish', 'rev'], home)).toEqual(['review.aish']);
    expect(bashComplete(['aish', 'sessions', 'import', 'rev'], home)).toEqual(['review.aish']);
  });

  it('completes @capabilities and specialists as the value of -c', () => {
    expect(bashComplete(['aish', '-c', '@code-an'], home)).toEqual(['@code-analysis']);
    expect(bashComplete(['aish', '-c', 'zep'], home)).toEqual(['zephyr']);
  });

  it('offers nothing, quietly, when the server named on the line cannot be reached', () => {
    // bash splits the URL at ':' as it does on the real command line.
    expect(bashComplete(['aish', '--server', 'http', ':', '//127.0.0.1', ':', '9', 'chat', ''], home)).toEqual([]);
  });

  describe('with --server', () => {
    let server: Served;
    let serverHome: string;
    beforeAll(async () => {
      serverHome = tempHome();
      server = await startServe(serverHome);
      const made = await runAish(['--server', server.url, '-c', 'echo hi | athena --session on-the-server'], { home: serverHome });
      expect(made.status).toBe(0);
    });
    afterAll(() => server.stop());

    it('asks the server named on the command line (split at colons as bash does)', () => {
      const url = new URL(server.url);
      const words = ['aish', '--server', 'http', ':', `//${url.hostname}`, ':', url.port, 'sessions', 'show', ''];
      expect(bashComplete(words, tempHome())).toContain('on-the-server');
    });

    it('asks the server AISH_SERVER names', () => {
      expect(bashComplete(['aish', 'sessions', 'show', 'on'], tempHome(), { AISH_SERVER: server.url })).toEqual(['on-the-server']);
    });
  });
});

describe('aish completion', () => {
  it('an unknown shell is an error that names the ones there are', async () => {
    const result = await runAish(['completion', 'tcsh']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("'tcsh'");
    expect(result.stderr).toContain('bash, zsh, fish');
  });

  it('no shell at all is an error too', async () => {
    const result = await runAish(['completion']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('which shell?');
  });

  it('--list prints one name a line, and nothing (status 1) when the server is unreachable', async () => {
    const listed = await runAish(['completion', '--list', 'specialists'], { home });
    expect(listed.status).toBe(0);
    expect(listed.stdout.split('\n')).toEqual(expect.arrayContaining(['apollo', 'zephyr']));
    const failed = await runAish(['--server', 'http://127.0.0.1:9', 'completion', '--list', 'sessions']);
    expect(failed).toMatchObject({ status: 1, stdout: '', stderr: '' });
  });

  it('--list sessions of a home without a database is empty, and creates none', async () => {
    const fresh = tempHome();
    const listed = await runAish(['completion', '--list', 'sessions'], { home: fresh });
    expect(listed).toMatchObject({ status: 0, stdout: '' });
    expect(existsSync(join(fresh, 'aish.db'))).toBe(false);
  });

  it('the zsh script is valid zsh (checked by zsh when it is installed)', async () => {
    const result = await runAish(['completion', 'zsh']);
    expect(result.status).toBe(0);
    expect(result.stdout.startsWith('#compdef aish\n')).toBe(true);
    expect(result.stdout).toContain('compdef _aish aish');
    expect(result.stdout).toContain('completion --list');
    if (installed('zsh')) {
      const checked = spawnSync('zsh', ['-n'], { input: result.stdout, encoding: 'utf8' });
      expect(checked.status, checked.stderr).toBe(0);
    }
  });

  it('the fish script is valid fish and completes names (when fish is installed)', async () => {
    const result = await runAish(['completion', 'fish']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("complete -c aish -f -a '(__aish_complete)'");
    expect(result.stdout).toContain('completion --list $kind');
    if (installed('fish')) {
      const script = join(home, 'aish.fish');
      writeFileSync(script, result.stdout);
      const checked = spawnSync('fish', ['-n', script], { encoding: 'utf8' });
      expect(checked.status, checked.stderr).toBe(0);
      const offered = spawnSync('fish', ['-c', `source ${script}; complete -C 'aish chat zep'; complete -C 'aish sessions show dem'`], {
        cwd: home,
        env: testEnv(home, { PATH }),
        encoding: 'utf8',
      });
      expect(offered.stdout.split('\n')).toEqual(expect.arrayContaining(['zephyr', 'demo-notes']));
    }
  });

  it('every subcommand is in every script', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const { stdout } = await runAish(['completion', shell]);
      for (const command of ['ais', 'sessions', 'chat', 'serve', 'history', 'completion']) expect(stdout, `${shell}: ${command}`).toMatch(new RegExp(`\\b${command}\\b`));
    }
  });
});
