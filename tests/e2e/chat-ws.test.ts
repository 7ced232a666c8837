/**
 * `aish chat NAME --server URL` as a user runs it: over WebSocket, stdin a
 * pipe (without a terminal every line is a message), and a server that is
 * killed and started again under an open chat.
 */
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { closedPort } from '../providers/support/fake-provider-server.js';
import { runAish, startAish, startServe, tempHome } from '../support/aish.js';

/** A running process's output so far, and a way to wait for text in it. */
function watch(child: ChildProcess): { stdout: () => string; stderr: () => string; waitFor(stream: 'stdout' | 'stderr', text: string | RegExp): Promise<string> } {
  const seen = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  for (const name of ['stdout', 'stderr'] as const) {
    child[name]!.setEncoding('utf8').on('data', (chunk: string) => {
      seen[name] += chunk;
      for (const waiter of [...waiters]) waiter();
    });
  }
  return {
    stdout: () => seen.stdout,
    stderr: () => seen.stderr,
    waitFor: (stream, text) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = typeof text === 'string' ? (seen[stream].includes(text) ? text : undefined) : text.exec(seen[stream])?.[0];
          if (found === undefined) return;
          waiters.delete(check);
          resolve(found);
        };
        waiters.add(check);
        child.once('exit', () => reject(new Error(`exited before ${stream} showed ${String(text)}: stdout ${seen.stdout} stderr ${seen.stderr}`)));
        check();
      }),
  };
}

/** `aish serve` on a given port with this HOME (so the same database). */
async function serveOn(home: string, port: number): Promise<{ child: ChildProcess; url: string }> {
  const child = startAish(['serve', '--port', String(port)], { home });
  const url = (await watch(child).waitFor('stderr', /http:\/\/127\.0\.0\.1:\d+/)).trim();
  return { child, url };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('aish chat over WebSocket', () => {
  it('answers each piped line in one session, with /session and /help on stderr', async () => {
    const home = tempHome();
    const server = await startServe(home);
    try {
      const result = await runAish(['chat', 'apollo', '--server', server.url], { home, stdin: 'first question\n/session\n/help\nsecond  one\n' });
      expect(result.status).toBe(0);
      expect(result.stdout).toBe('[apollo] first question\n[apollo] second  one\n');
      const id = /aish: session (ses_\w+) with apollo/.exec(result.stderr)?.[1];
      expect(id).toBeDefined();
      expect(result.stderr).toContain(`\n${id}\n`);
      expect(result.stderr).toContain('/exit leaves');
      const session = (await (await fetch(`${server.url}/api/v2/sessions/${id}`)).json()) as { messages: { role: string; content: string }[] };
      expect(session.messages.map((message) => message.content)).toEqual(['first question', '[apollo] first question', 'second  one', '[apollo] second  one']);
    } finally {
      await server.stop();
    }
  });

  it('prints the same answers as the in-process chat, and /exit ends it early', async () => {
    const home = tempHome();
    const server = await startServe(home);
    try {
      const stdin = 'héllo 🌍\n/exit\nnot sent\n';
      const remote = await runAish(['chat', 'athena', '--server', server.url], { home, stdin });
      const embedded = await runAish(['chat', 'athena'], { home, stdin });
      expect(remote.stdout).toBe('[athena] héllo 🌍\n');
      expect(embedded.stdout).toBe(remote.stdout);
      expect([remote.status, embedded.status]).toEqual([0, 0]);
    } finally {
      await server.stop();
    }
  });

  it('says once, on stderr, that the answers come from the echo model, over the server as in-process; -q keeps it quiet', async () => {
    const home = tempHome();
    const server = await startServe(home);
    try {
      const stdin = 'one\ntwo\n';
      const notice = /offline echo model/g;
      const remote = await runAish(['chat', 'apollo', '--server', server.url], { home, stdin });
      const embedded = await runAish(['chat', 'apollo'], { home, stdin });
      const quiet = await runAish(['-q', 'chat', 'apollo', '--server', server.url], { home, stdin });
      expect(remote.stderr.match(notice)).toHaveLength(1);
      expect(embedded.stderr.match(notice)).toHaveLength(1);
      expect(quiet.stderr).not.toMatch(notice);
      for (const run of [remote, embedded, quiet]) expect(run.stdout).toBe('[apollo] one\n[apollo] two\n');
    } finally {
      await server.stop();
    }
  });

  it('--session NAME resumes the named session over the server, creating it the first time', async () => {
    const home = tempHome();
    const server = await startServe(home);
    try {
      await runAish(['chat', 'apollo', '--server', server.url, '--session', 'notes'], { home, stdin: 'one\n' });
      const again = await runAish(['chat', 'apollo', '--server', server.url, '--session', 'notes'], { home, stdin: 'two\n' });
      expect(again.stdout).toBe('[apollo] two\n');
      const session = (await (await fetch(`${server.url}/api/v2/sessions/notes`)).json()) as { message_count: number };
      expect(session.message_count).toBe(4);
    } finally {
      await server.stop();
    }
  });

  it('an unknown specialist or a server that is not there: a clear error and its exit status', async () => {
    const home = tempHome();
    const server = await startServe(home);
    try {
      const unknown = await runAish(['chat', 'nobody', '--server', server.url], { home, stdin: 'x\n' });
      expect(unknown.status).toBe(3);
      expect(unknown.stderr).toContain("no specialist named 'nobody'");
    } finally {
      await server.stop();
    }
    const port = await closedPort();
    const absent = await runAish(['chat', 'apollo', '--server', `http://127.0.0.1:${port}`], { home, stdin: 'x\n' });
    expect(absent.status).toBe(2);
    expect(absent.stderr).toContain(`cannot reach ws://127.0.0.1:${port}/ws/ai/apollo`);
    expect(absent.stdout).toBe('');
  });

  it('the server killed and started again under an open chat: it reconnects and the next message continues the session', async () => {
    const home = tempHome();
    const port = await closedPort();
    let server = await serveOn(home, port);
    const chat = startAish(['chat', 'apollo', '--server', server.url], { home });
    const output = watch(chat);
    try {
      chat.stdin!.write('before the crash\n');
      await output.waitFor('stdout', '[apollo] before the crash\n');
      const id = (await output.waitFor('stderr', /ses_\w+/)).trim();
      server.child.kill('SIGKILL');
      await exited(server.child);
      await output.waitFor('stderr', 'reconnecting');
      server = await serveOn(home, port);
      await output.waitFor('stderr', 'reconnected');
      chat.stdin!.write('after the restart\n');
      await output.waitFor('stdout', '[apollo] after the restart\n');
      chat.stdin!.end();
      expect(await exited(chat)).toBe(0);
      expect(output.stdout()).toBe('[apollo] before the crash\n[apollo] after the restart\n');
      const session = (await (await fetch(`${server.url}/api/v2/sessions/${id}`)).json()) as { messages: { content: string }[] };
      expect(session.messages.map((message) => message.content)).toEqual(['before the crash', '[apollo] before the crash', 'after the restart', '[apollo] after the restart']);
    } finally {
      chat.kill();
      server.child.kill();
      await exited(server.child);
    }
  }, 30_000);
});
