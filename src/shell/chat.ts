/**
 * `aish chat NAME`: a conversation with one specialist in one session.
 * Piped input is the first message (`cat notes.md | aish chat apollo`), and
 * the chat then goes on at the terminal when there is one. `/exit`,
 * `/session`, `/clear` (a fresh session) and `/help`; Ctrl-C stops the
 * current answer and keeps the chat.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { isatty } from 'node:tty';
import { AishError, exitStatusFor, toAishError, type Specialists } from '../protocol/index.js';

export interface ChatOptions {
  specialists: Specialists;
  specialist: string;
  /** `--session ID|NAME` to resume (a name that does not exist yet is created). */
  session?: string;
  quiet: boolean;
  onSession(id: string): void;
}

const HELP = '/exit leaves, /session shows the session id, /clear starts a fresh session, /help shows this\n';

export async function runChat(options: ChatOptions): Promise<number> {
  const { specialists, specialist } = options;
  let sessionId: string;
  try {
    sessionId = await openSession(options);
  } catch (error) {
    const failure = toAishError(error);
    process.stderr.write(`aish: chat: ${failure.message}\n`);
    return exitStatusFor(failure.code);
  }
  let status = 0;
  if (!isatty(0)) {
    const piped = await readAll(process.stdin);
    if (piped.trim() !== '') status = await ask(specialists, sessionId, specialist, piped);
  }
  const terminal = terminalInput();
  if (!terminal) return status;
  const prompt = createInterface({ input: terminal, output: process.stderr, terminal: true });
  let running: AbortController | undefined;
  prompt.on('SIGINT', () => {
    if (running) running.abort();
    else prompt.close();
  });
  prompt.setPrompt(`${specialist}> `);
  prompt.prompt();
  for await (const line of prompt) {
    const text = line.trim();
    if (text === '/exit') break;
    if (text === '/help') process.stderr.write(HELP);
    else if (text === '/session') process.stderr.write(`${sessionId}\n`);
    else if (text === '/clear') {
      sessionId = (await specialists.createSession({ specialist_id: specialist })).id;
      options.onSession(sessionId);
      process.stderr.write(`aish: new session ${sessionId}\n`);
    } else if (text !== '') {
      running = new AbortController();
      status = await ask(specialists, sessionId, specialist, line, running.signal);
      running = undefined;
    }
    prompt.prompt();
  }
  prompt.close();
  return status;

  async function openSession(chat: ChatOptions): Promise<string> {
    let id: string | undefined;
    if (chat.session) {
      try {
        id = (await specialists.getSession(chat.session)).id;
      } catch (error) {
        if (!(error instanceof AishError && error.code === 'SESSION_NOT_FOUND') || chat.session.startsWith('ses_')) throw error;
      }
    }
    if (!id) {
      const created = await specialists.createSession({ specialist_id: specialist, ...(chat.session && { name: chat.session }) });
      id = created.id;
      if (!chat.quiet) process.stderr.write(`aish: session ${id} with ${specialist}\n`);
    }
    chat.onSession(id);
    return id;
  }
}

/** One message: the answer streamed to stdout, ending its line. */
async function ask(specialists: Specialists, sessionId: string, specialist: string, message: string, signal?: AbortSignal): Promise<number> {
  let last = '\n';
  try {
    for await (const event of specialists.streamSession(sessionId, { message, specialist_id: specialist }, signal)) {
      if (event.type === 'content') {
        process.stdout.write(event.data);
        last = event.data.slice(-1) || last;
      } else if (event.type === 'error') {
        throw new AishError(event.code, event.message);
      }
    }
    if (last !== '\n') process.stdout.write('\n');
    return signal?.aborted ? 130 : 0;
  } catch (error) {
    if (last !== '\n') process.stdout.write('\n');
    if (signal?.aborted) return 130;
    const failure = toAishError(error);
    process.stderr.write(`aish: ${specialist}: ${failure.message}\n`);
    return exitStatusFor(failure.code);
  }
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The terminal to go on with: stdin itself, or /dev/tty after piped input. */
function terminalInput(): Readable | undefined {
  if (isatty(0)) return process.stdin;
  if (!isatty(2)) return undefined;
  try {
    return createReadStream('/dev/tty');
  } catch {
    return undefined;
  }
}
