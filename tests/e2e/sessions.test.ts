/** Sessions from the real CLI: named sessions across processes, -C, --get-id, the sessions command. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureReply } from '../providers/support/fixtures.js';
import { startFakeProviderServer, type FakeProviderServer } from '../providers/support/fake-provider-server.js';
import { aishC, runAish, startServe, tempHome } from '../support/aish.js';

let fake: FakeProviderServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A HOME whose config points openai at a fake that records every request. */
async function recordingHome(): Promise<string> {
  fake = await startFakeProviderServer(fixtureReply('openai-chat-stream.sse'));
  const home = tempHome();
  mkdirSync(join(home, '.config', 'aish'), { recursive: true });
  writeFileSync(join(home, '.config', 'aish', 'config.yaml'), `providers:\n  openai: { api_key: sk-test, base_url: "${fake.origin}/v1" }\ndefault_model: openai/gpt-4o-mini\n`);
  return home;
}

function sentMessages(index: number): { role: string; content: string }[] {
  return JSON.parse(fake!.requests[index]!.body).messages;
}

describe('sessions from the CLI', () => {
  it('killing aish serve with SIGKILL between two messages loses neither', async () => {
    const home = tempHome();
    const first = await startServe(home);
    await runAish(['--server', first.url, '-c', 'echo one | apollo --session durable'], { home: tempHome() });
    await first.stop('SIGKILL');
    const second = await startServe(home);
    try {
      await runAish(['--server', second.url, '-c', 'echo two | apollo --session durable'], { home: tempHome() });
      const shown = await runAish(['--server', second.url, 'sessions', 'show', 'durable', '--json'], { home: tempHome() });
      expect(JSON.parse(shown.stdout).messages.map((m: { content: string }) => m.content)).toEqual(['one\n', '[apollo] one\n', 'two\n', '[apollo] two\n']);
    } finally {
      await second.stop('SIGTERM');
    }
  });

  it('two separate aish -c processes share a named session; the second request carries the first exchange', async () => {
    const home = await recordingHome();
    const first = await aishC('echo "My name is Casey" | apollo --session demo', { home });
    expect(first.status).toBe(0);
    expect(first.stderr).toContain('aish: session ses_');
    const second = await aishC('echo "What is my name?" | apollo --session demo', { home });
    expect(second.status).toBe(0);
    const messages = sentMessages(1);
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(messages[1]!.content).toBe('My name is Casey\n');
    expect(messages[2]!.content).toBe(first.stdout.replace(/\n$/, ''));
    expect(messages[3]!.content).toBe('What is my name?\n');
  });

  it('--context-window 1 sends only the last exchange', async () => {
    const home = await recordingHome();
    for (const n of [1, 2, 3]) await aishC(`echo "message ${n}" | apollo --session win`, { home });
    await aishC('echo "message 4" | apollo --session win --context-window 1', { home });
    const messages = sentMessages(3);
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(messages[1]!.content).toBe('message 3\n');
  });

  it('the same through aish serve and --server', async () => {
    const home = await recordingHome();
    const server = await startServe(home);
    try {
      const url = server.url;
      const client = tempHome();
      await runAish(['--server', url, '-c', 'echo "My name is Casey" | apollo --session remote'], { home: client });
      await runAish(['--server', url, '-c', 'echo "What is my name?" | apollo --session remote'], { home: client });
      expect(sentMessages(1).map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
      const list = await runAish(['--server', url, 'sessions', 'list', '--json'], { home: client });
      expect(JSON.parse(list.stdout).sessions[0]).toMatchObject({ name: 'remote', message_count: 4 });
    } finally {
      await server.stop();
    }
  });

  it('a bare --session starts a new one, -C continues it, --get-id prints its id', async () => {
    const home = tempHome();
    const started = await aishC('echo one | apollo --session', { home });
    const id = /session (ses_[0-9a-f]+)/.exec(started.stderr)![1]!;
    const got = await aishC('echo two | apollo -C --get-id', { home });
    expect(got.stdout.trim()).toBe(id);
    const shown = await runAish(['sessions', 'show', id, '--json'], { home });
    expect(JSON.parse(shown.stdout).messages.map((m: { content: string }) => m.content)).toEqual(['one\n', '[apollo] one\n', 'two\n', '[apollo] two\n']);
  });

  it('the same session serves different stages and specialists, and records who answered', async () => {
    const home = tempHome();
    await aishC('echo hi | apollo --session mixed | athena --session mixed', { home });
    const shown = JSON.parse((await runAish(['sessions', 'show', 'mixed', '--json'], { home })).stdout);
    expect(shown.messages.filter((m: { role: string }) => m.role === 'assistant').map((m: { specialist_id: string }) => m.specialist_id)).toEqual(['apollo', 'athena']);
  });

  it('a failed call stores nothing and says so', async () => {
    const home = tempHome();
    await aishC('echo first | apollo --session keep', { home });
    const failed = await aishC('echo second | apollo --session keep --model ollama/nothing-here', { home });
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toContain('nothing was stored in session');
    const shown = JSON.parse((await runAish(['sessions', 'show', 'keep', '--json'], { home })).stdout);
    expect(shown.message_count).toBe(2);
  });

  it('sessions list, export, rm and import (refusing an existing id without --force)', async () => {
    const home = tempHome();
    await aishC('echo hello | apollo --session saved', { home });
    const list = await runAish(['sessions'], { home });
    expect(list.stdout).toMatch(/saved\s+apollo\s+2/);
    const exported = await runAish(['sessions', 'export', 'saved'], { home });
    const data = JSON.parse(exported.stdout);
    expect(data).toMatchObject({ format: 'aish-session', version: 1, session: { name: 'saved' } });
    expect(data.messages).toHaveLength(2);
    writeFileSync(join(home, 'saved.json'), exported.stdout);
    const refused = await runAish(['sessions', 'import', 'saved.json'], { home });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('--force');
    expect((await runAish(['sessions', 'rm', 'saved'], { home })).status).toBe(0);
    expect((await runAish(['sessions', 'show', 'saved'], { home })).status).toBe(1);
    const restored = await runAish(['sessions', 'import', '-'], { home, stdin: exported.stdout });
    expect(restored.status).toBe(0);
    expect(JSON.parse((await runAish(['sessions', 'show', 'saved', '--json'], { home })).stdout).message_count).toBe(2);
    expect((await runAish(['sessions', 'import', 'saved.json', '--force'], { home })).status).toBe(0);
  });

  it('a database file that is not aish\'s is an error naming it, and is left untouched', async () => {
    const home = tempHome();
    const file = join(home, 'notes.db');
    writeFileSync(file, 'these are my notes, not a database\n');
    const result = await aishC('echo x | apollo --session s', { home, env: { AISH_DB: file } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${file}: not an aish database`);
    expect(readFileSync(file, 'utf8')).toBe('these are my notes, not a database\n');
  });

  it('piped notes start a chat (no terminal: the chat ends after the answer)', async () => {
    const home = tempHome();
    const result = await runAish(['chat', 'apollo'], { home, stdin: 'my notes\n' });
    expect(result.stdout).toBe('[apollo] my notes\n');
    expect(result.status).toBe(0);
    expect(JSON.parse((await runAish(['sessions', 'list', '--json'], { home })).stdout).sessions[0].message_count).toBe(2);
  });
});
