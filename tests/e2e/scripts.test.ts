/** Script files, shebangs, arguments, help and version (docs/cli.md "Entry points"). */
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AISH, runAish, tempHome } from '../support/aish.js';

describe('scripts and entry points', () => {
  it('aish FILE ARGS sets $0, $1…, $# and $@', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'greet.aish'), 'echo "$0 has $# args: $1 and $2"\necho all: $@\n');
    const result = await runAish(['greet.aish', 'one', 'two words'], { home });
    expect(result.stdout).toBe('greet.aish has 2 args: one and two words\nall: one two words\n');
  });

  it('a #!/usr/bin/env aish script runs directly', async () => {
    const home = tempHome();
    const script = join(home, 'ask');
    writeFileSync(script, '#!/usr/bin/env aish\n# ask a specialist\necho "$1" | apollo\n');
    chmodSync(script, 0o755);
    const result = await runAish([], { home });
    expect(result.status).toBe(0);
    const { spawnSync } = await import('node:child_process');
    const run = spawnSync(script, ['question'], {
      env: { PATH: `${dirname(AISH)}:${process.env.PATH}`, HOME: home },
      encoding: 'utf8',
    });
    expect(run.stdout).toBe('[apollo] question\n');
  });

  it('a script with a syntax error on line 3 runs nothing and exits 4', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'bad.aish'), 'echo first > marker.txt\necho ok\necho "oops | apollo\n');
    const result = await runAish(['bad.aish'], { home });
    expect(result.status).toBe(4);
    expect(existsSync(join(home, 'marker.txt'))).toBe(false);
    expect(result.stderr).toContain('aish: syntax error at bad.aish:3:6: unclosed double quote');
  });

  it('a name error in a script names the file and line, and the script goes on', async () => {
    const home = tempHome();
    writeFileSync(join(home, 's.aish'), 'echo one\napolo hi\necho three\n');
    const result = await runAish(['s.aish'], { home });
    expect(result.stderr).toContain("aish: s.aish:2: 'apolo' not found. Did you mean: apollo?");
    expect(result.stdout).toBe('one\nthree\n');
  });

  it('a missing script file is a clear error', async () => {
    const result = await runAish(['no-such-script.aish']);
    expect(result.status).toBe(127);
    expect(result.stderr).toContain('no-such-script.aish: No such file or directory');
  });

  it('source runs a file in the same shell', async () => {
    const home = tempHome();
    writeFileSync(join(home, 'lib.aish'), "set GREETING=hey\nalias ask='apollo \"explain\"'\n");
    const result = await runAish(['-c', 'source lib.aish; echo $GREETING; echo code | ask'], { home });
    expect(result.stdout).toBe('hey\n[apollo] explain\n\ncode\n');
  });

  it('--help and --version', async () => {
    const help = await runAish(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: aish');
    expect(help.stdout).toContain('-c, --command <line>');
    const version = await runAish(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('aish ais lists the roster, and --json parses', async () => {
    const table = await runAish(['ais']);
    expect(table.stdout).toMatch(/^NAME +STATUS +MODEL/);
    expect(table.stdout).toContain('apollo');
    const json = JSON.parse((await runAish(['ais', '--json'])).stdout);
    expect(json.total).toBeGreaterThanOrEqual(11);
    expect(json.ais[0]).toMatchObject({ id: 'apollo', status: 'active', model: 'echo' });
  });

  it('an unknown option is an error', async () => {
    const result = await runAish(['--bogus']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("unknown option '--bogus'");
  });
});
