/**
 * The input an AI stage sends is bounded (`--max-input`, `limits.max_input`,
 * 4 MiB by default) and never binary unless `--binary`: both are checked
 * before anything goes to a model, and the exchange log keeps at most the
 * first 1 MiB of a message.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AISH, aishC, homeWithConfig, runAish, startServe, tempHome, testEnv } from '../support/aish.js';

/** Peak resident memory of a running process, in KiB (Linux), or undefined once it has gone. */
function peakMemoryKiB(pid: number): number | undefined {
  try {
    const found = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return found ? Number(found[1]) : undefined;
  } catch {
    return undefined;
  }
}

const MiB = 1024 * 1024;

describe('input limits', () => {
  it('aish chat with piped lines refuses a message over --max-input (nothing sent, status 1) and answers the others', async () => {
    const result = await runAish(['-q', '--max-input', '10', 'chat', 'apollo'], { stdin: 'short\nthis line is much longer than ten bytes\n' });
    expect(result.stdout).toBe('[apollo] short\n');
    expect(result.stderr).toContain('aish: apollo: the input is larger than the 10-byte limit, so nothing was sent');
    expect(result.status).toBe(1);
  });

  it('aish chat refuses a message with NUL bytes unless --binary, as AI stages do', async () => {
    const refused = await runAish(['-q', 'chat', 'apollo'], { stdin: 'a\0b\nfine\n' });
    expect(refused.stdout).toBe('[apollo] fine\n');
    expect(refused.stderr).toContain('aish: apollo: the input looks binary (it holds NUL bytes), so nothing was sent; add --binary');
    expect(refused.status).toBe(1);
    const sent = await runAish(['-q', 'chat', '--binary', 'apollo'], { stdin: 'a\0b\n' });
    expect(sent.stdout).toBe('[apollo] a\0b\n');
    expect(sent.status).toBe(0);
  });

  it('aish chat skips a line far over the limit without holding it, and answers the next line', { timeout: 60_000 }, async () => {
    const home = tempHome();
    const aish = spawn(AISH, ['-q', 'chat', 'apollo'], { cwd: home, env: testEnv(home), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    aish.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    aish.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, peakMemoryKiB(aish.pid!) ?? 0)), 10);
    // 64 MiB in one line, written as the pipe takes it, then a short line.
    const piece = Buffer.alloc(MiB, 'a');
    for (let i = 0; i < 64; i++) if (!aish.stdin.write(piece)) await new Promise((drained) => aish.stdin.once('drain', drained));
    aish.stdin.end('\nnext\n');
    const status = await new Promise<number | null>((done) => aish.on('close', (code) => done(code)));
    clearInterval(watch);
    expect(stderr).toContain('aish: apollo: the input is larger than the 4 MiB limit, so nothing was sent');
    expect(stdout).toBe('[apollo] next\n');
    expect(status).toBe(1);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(120 * 1024);
  });


  it('an endless input stops at the limit with a message and status 1, in bounded memory', async () => {
    const home = tempHome();
    const yes = spawn('yes', [], { stdio: ['ignore', 'pipe', 'ignore'] });
    const aish = spawn(AISH, ['-c', 'apollo | head -c 50'], { cwd: home, env: testEnv(home), stdio: [yes.stdout, 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    aish.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    aish.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let peak = 0;
    const watch = setInterval(() => {
      const kib = peakMemoryKiB(aish.pid!);
      if (kib !== undefined) peak = Math.max(peak, kib);
      // Growing without bound is the failure: stop it rather than wait for the kernel.
      if (peak > 400 * 1024) aish.kill('SIGKILL');
    }, 10);
    const status = await new Promise<number | null>((done) => aish.on('close', (code) => done(code)));
    clearInterval(watch);
    yes.kill();
    expect(stderr).toContain('aish: apollo: the input is larger than the 4 MiB limit, so nothing was sent');
    expect(stderr).toContain('--max-input');
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(100 * 1024);
  });

  it('a 3 MB message comes back from the echo model byte for byte, in process and through aish serve, in under 100 MiB', { timeout: 60_000 }, async () => {
    const input = 'alpha  beta\tgamma\ndelta '.repeat(3_000_000 / 24).slice(0, 3_000_000);
    const answerOf = async (args: string[], home: string): Promise<{ stdout: string; status: number | null; peak: number }> => {
      const aish = spawn(AISH, args, { cwd: home, env: testEnv(home), stdio: ['pipe', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      aish.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      let peak = 0;
      const watch = setInterval(() => (peak = Math.max(peak, peakMemoryKiB(aish.pid!) ?? 0)), 10);
      aish.stdin.end(input);
      const status = await new Promise<number | null>((done) => aish.on('close', (code) => done(code)));
      clearInterval(watch);
      return { stdout: Buffer.concat(chunks).toString('utf8'), status, peak };
    };
    const inProcess = await answerOf(['-q', '-c', 'apollo'], tempHome());
    expect(inProcess.status).toBe(0);
    expect(inProcess.stdout === `[apollo] ${input}\n`).toBe(true);
    expect(inProcess.peak).toBeGreaterThan(0);
    expect(inProcess.peak).toBeLessThan(100 * 1024);
    const server = await startServe(homeWithConfig('server:\n  max_body: 8388608\n'));
    try {
      const remote = await answerOf(['-q', '--server', server.url, '-c', 'apollo'], tempHome());
      expect(remote.status).toBe(0);
      expect(remote.stdout === `[apollo] ${input}\n`).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('a stage flag, the global flag and limits.max_input each set the limit; 0 means none', async () => {
    const input = 'x'.repeat(2000);
    const refused = await aishC('apollo --max-input 1000', { stdin: input });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('aish: apollo: the input is larger than the 1000-byte limit');
    expect((await aishC('apollo --max-input 2000', { stdin: input })).stdout).toBe(`[apollo] ${input}\n`);

    const home = homeWithConfig('limits:\n  max_input: 1024\n');
    const byConfig = await aishC('apollo', { stdin: input, home });
    expect(byConfig.stderr).toContain('the input is larger than the 1 KiB limit');
    expect(byConfig.status).toBe(1);
    const byFlag = await runAish(['--max-input', '0', '-c', 'apollo'], { stdin: input, home });
    expect(byFlag.status).toBe(0);
    expect(byFlag.stdout).toBe(`[apollo] ${input}\n`);
    const stageWins = await runAish(['--max-input', '10', '-c', 'apollo --max-input 5000'], { stdin: input, home });
    expect(stageWins.status).toBe(0);
  });

  it('a refused input fails the whole pipeline, and a fan-out checks the input its branches share', async () => {
    const input = 'y\n'.repeat(1000);
    const piped = await aishC('apollo --max-input 100 | wc -c', { stdin: input });
    expect(piped.status).toBe(1);
    expect(piped.stdout.trim()).toBe('0');
    const fanout = await aishC('apollo,athena --max-input 100', { stdin: input });
    expect(fanout.status).toBe(1);
    expect(fanout.stderr).toContain('aish: apollo,athena: the input is larger than the 100-byte limit');
    // From a Unix command inside the line too: `yes` stops when its reader goes.
    const inside = await runAish(['--max-input', '65536', '-c', 'yes | apollo; echo after $?']);
    expect(inside.stdout).toBe('after 1\n');
  });

  it('a bad limit is an error that says what is expected', async () => {
    const flag = await runAish(['--max-input', 'lots', '-c', 'echo hi']);
    expect(flag.status).toBe(1);
    expect(flag.stderr).toBe("aish: --max-input needs a whole number of bytes, 0 or more (0 = no limit), not 'lots'\n");
    const stage = await aishC('apollo --max-input -1 hi');
    expect(stage.stderr).toContain("'--max-input' needs a whole number");
    const config = await aishC('echo hi | apollo', { home: homeWithConfig('limits:\n  max_input: big\n') });
    expect(config.stderr).toContain('limits.max_input: expected a whole number of bytes');
    const perProvider = await aishC('echo hi | apollo', { home: homeWithConfig('providers:\n  openai:\n    limits: { max_input: 10 }\n') });
    expect(perProvider.status).not.toBe(0);
  });

  it('input holding NUL bytes is refused unless --binary', async () => {
    const refused = await aishC('apollo', { stdin: 'a\0b' });
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('aish: apollo: the input looks binary (it holds NUL bytes), so nothing was sent; add --binary to send it anyway');
    const sent = await aishC('apollo --binary', { stdin: 'a\0b' });
    expect(sent.status).toBe(0);
    expect(sent.stdout).toBe('[apollo] a\0b\n');
  });

  it('the exchange log keeps the first 1 MiB of a message', async () => {
    const home = tempHome();
    const input = 'x'.repeat(MiB + 5000);
    const run = await aishC('apollo', { stdin: input, home });
    expect(run.status).toBe(0);
    const shown = JSON.parse((await runAish(['history', 'show', '1', '--json'], { home })).stdout) as { message: string };
    expect(shown.message.startsWith('x'.repeat(MiB))).toBe(true);
    expect(shown.message.slice(MiB)).toBe('\n[aish: the log keeps the first 1 MiB of this message]');
  });

  it("a message over the server's body limit is refused by the server with its limit named", async () => {
    const home = homeWithConfig('server:\n  max_body: 1000\n');
    const server = await startServe(home);
    try {
      const result = await runAish(['--server', server.url, '-c', 'apollo'], { stdin: 'z'.repeat(5000), home: tempHome() });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('aish: apollo: the request body is larger than 1000 bytes');
    } finally {
      await server.stop();
    }
  });
});
