/**
 * An MCP server killed in the middle of a tool call: the call ends with one clear
 * error naming the server (exit 2), and nothing half-done is kept: the session gets
 * no exchange, the log's one row for it is a failure with no answer passed off as whole.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { collect, homeWithConfig, runAish, startAish, type RunResult } from '../support/aish.js';

const require = createRequire(import.meta.url);
const EVERYTHING = resolve(require.resolve('@modelcontextprotocol/server-everything/package.json'), '..', 'dist', 'index.js');

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`never saw ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** A home whose `everything` server writes its pid to `server.pid` as it starts. */
function homeWithPidServer(): { home: string; pidFile: string } {
  const home = homeWithConfig('');
  const pidFile = join(home, 'server.pid');
  const config = `default_model: echo
mcp_servers:
  everything: { command: sh, args: [-c, ${JSON.stringify(`echo $$ > ${pidFile}; exec node ${EVERYTHING}`)}] }
specialists:
  apollo: { tools: [everything.*] }
`;
  writeFileSync(join(home, '.config', 'aish', 'config.yaml'), config);
  return { home, pidFile };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `aish -c LINE` with `message` as stdin, once its slow tool call has started: the child, the server's pid, its stderr so far and its result. */
async function duringSlowCall(line: string, message: string): Promise<{ home: string; child: ChildProcess; pid: number; stderr: () => string; result: Promise<RunResult> }> {
  const { home, pidFile } = homeWithPidServer();
  const child = startAish(['-c', line], { home });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const result = collect(child, message);
  await until(() => stderr.includes('→ everything.trigger-long-running-operation') && existsSync(pidFile), 'the call start');
  return { home, child, pid: Number(readFileSync(pidFile, 'utf8').trim()), stderr: () => stderr, result };
}

const SLOW_CALL = 'CALL everything.trigger-long-running-operation {"duration": 30, "steps": 30}';

describe('an MCP server that dies mid-call', () => {
  it('is one error naming it, exit 2, and no half exchange in the session or the log', { timeout: 60_000 }, async () => {
    const { home, pid, stderr: stderrSoFar, result } = await duringSlowCall('apollo --session doomed', `${SLOW_CALL}\nCALL everything.echo {"message": "x"}`);
    process.kill(pid, 'SIGKILL');
    const { status, stdout } = await result;
    const stderr = stderrSoFar();
    expect(status).toBe(2);
    expect(stdout).toBe('');
    const errors = stderr.split('\n').filter((line) => /mcp server/.test(line));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^aish: mcp server everything exited \(SIGKILL\): /);
    expect(stderr).toContain('nothing was stored in session');
    const session = JSON.parse((await runAish(['sessions', 'show', 'doomed', '--json'], { home })).stdout) as { messages: unknown[] };
    expect(session.messages).toEqual([]);
    const { exchanges } = JSON.parse((await runAish(['history', '--json'], { home })).stdout) as { exchanges: { status: string; error_code: string; answer: string }[] };
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]).toMatchObject({ status: 'error', error_code: 'TOOL_SERVER_FAILED', answer: '' });
  });
});

describe('Ctrl-C during a tool call', () => {
  it('stops the model and the running call at once (status 130), and the server is stopped as aish exits', { timeout: 60_000 }, async () => {
    const { child, pid, result } = await duringSlowCall('apollo', SLOW_CALL);
    child.kill('SIGINT');
    const { status } = await result;
    expect(status).toBe(130);
    await until(() => !alive(pid), 'the server stopped');
  });
});
