/** Every exit status of docs/language.md "Exit statuses" that this version can produce, from the real CLI. */
import { describe, expect, it } from 'vitest';
import { aishC, collect, startAish } from '../support/aish.js';

describe('exit statuses', () => {
  it('0 on success', async () => {
    expect((await aishC('echo hi | apollo')).status).toBe(0);
  });

  it('1 when an AI stage has nothing to send', async () => {
    const result = await aishC('apollo');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('aish: apollo: nothing to send');
  });

  it("N: a Unix command's own status passes through", async () => {
    expect((await aishC('sh -c "exit 42"')).status).toBe(42);
    expect((await aishC('echo x | sh -c "cat >/dev/null; exit 7"')).status).toBe(7);
  });

  it('2 when the provider cannot be reached', async () => {
    const result = await aishC('apollo --model ollama/llama3.1 << "hi"');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('aish: apollo:');
  });

  it('3 when a specialist or command is not found, and the rest of the line goes on after ;', async () => {
    const result = await aishC('nosuchthing-xyz; echo after $?');
    expect(result.stderr).toContain("aish: 'nosuchthing-xyz' not found");
    expect(result.stdout).toBe('after 3\n');
  });

  it('3 when no specialist reaches the capability threshold', async () => {
    const result = await aishC('@code-analysis --threshold 0.99 << "x"');
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('best candidates: apollo (0.95)');
  });

  it('3 for a capability nobody has, listing the closest that exist', async () => {
    const result = await aishC('@nonexistent-capability << "x"');
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('no specialist has the capability @nonexistent-capability; did you mean: @code-analysis');
  });

  it('4 on a syntax error, and nothing runs', async () => {
    const result = await aishC('echo ran; echo "unclosed');
    expect(result.status).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('unclosed double quote');
  });

  it('5 on a timeout', async () => {
    const result = await aishC(`apollo --model 'echo?ttft_ms=5000' --timeout 0.2 << "slow"`);
    expect(result.status).toBe(5);
    expect(result.stderr).toContain('aish: apollo: timed out after 0.2 s');
  });

  it('5 with the global --timeout', async () => {
    const child = startAish(['--timeout', '0.2', '-c', `apollo --model 'echo?ttft_ms=5000' << "slow"`]);
    expect((await collect(child)).status).toBe(5);
  });

  it('130 when interrupted by SIGINT, with children stopped', async () => {
    const child = startAish(['-c', `apollo --model 'echo?tps=4' << "one two three four five six seven eight" | cat`]);
    const result = collect(child);
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    child.kill('SIGINT');
    const done = await result;
    expect(done.status).toBe(130);
    expect(done.stdout.startsWith('[apollo] ')).toBe(true);
    expect(done.stdout).not.toContain('eight');
  });

  it('130 when a Unix command is interrupted', async () => {
    const child = startAish(['-c', 'echo started; sleep 30']);
    const result = collect(child);
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    child.kill('SIGINT');
    expect((await result).status).toBe(130);
  });

  it('pipefail makes a failing early stage the status', async () => {
    const result = await aishC('false | true; echo $?; set -o pipefail; false | true; echo $?');
    expect(result.stdout).toBe('0\n1\n');
  });

  it('exit N ends the line with N', async () => {
    const result = await aishC('echo before; exit 9; echo after');
    expect(result.stdout).toBe('before\n');
    expect(result.status).toBe(9);
  });
});
