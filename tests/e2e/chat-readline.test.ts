/**
 * `runChat` as the REPL calls it for chat mode: with its own readline lent.
 * Lines come from that readline, answers go to stdout, and the readline is
 * left open with its own prompt when the chat ends.
 */
import { mkdtempSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { builtinRoster } from '../../src/config/index.js';
import { SpecialistService } from '../../src/service/index.js';
import { chatOutput, runChat } from '../../src/shell/chat.js';

let stdout: string;
let stderr: string;

beforeEach(() => {
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
});

afterEach(() => {
  vi.restoreAllMocks();
});

function service(): SpecialistService {
  return new SpecialistService({ roster: builtinRoster(), defaultModel: 'echo', database: join(mkdtempSync(join(tmpdir(), 'aish-chat-')), 'aish.db') });
}

describe('runChat with a lent readline', () => {
  it('answers its lines in one session, and /exit hands the readline back open, with its prompt', async () => {
    const input = new PassThrough();
    const readline = createInterface({ input, output: new PassThrough(), terminal: false });
    readline.setPrompt('aish> ');
    const specialists = service();
    const sessions: string[] = [];
    const chat = runChat({ specialists, specialist: 'apollo', output: chatOutput(false), onSession: (id) => sessions.push(id), readline });
    input.write('first\nsecond\n/session\n/exit\n');
    expect(await chat).toBe(0);
    expect(stdout).toBe('[apollo] first\n[apollo] second\n');
    expect(sessions).toHaveLength(1);
    expect(stderr).toContain(`${sessions[0]}\n`);
    expect((await specialists.getSession(sessions[0]!)).message_count).toBe(4);
    // Still the REPL's: open, its prompt back, its next line for it.
    expect(readline.getPrompt()).toBe('aish> ');
    const next = new Promise<string>((resolve) => readline.once('line', resolve));
    input.write('echo back in the repl\n');
    expect(await next).toBe('echo back in the repl');
    readline.close();
    await specialists.close();
  });

  it('/clear starts a fresh session and --session NAME is created when new', async () => {
    const input = new PassThrough();
    const readline = createInterface({ input, terminal: false });
    const specialists = service();
    const sessions: string[] = [];
    const chat = runChat({ specialists, specialist: 'athena', session: 'project', output: chatOutput(true), onSession: (id) => sessions.push(id), readline });
    input.write('one\n/clear\ntwo\n');
    input.end();
    expect(await chat).toBe(0);
    expect(sessions).toHaveLength(2);
    expect((await specialists.getSession('project')).messages.map((message) => message.content)).toEqual(['one', '[athena] one']);
    expect((await specialists.getSession(sessions[1]!)).messages.map((message) => message.content)).toEqual(['two', '[athena] two']);
    await specialists.close();
  });
});
