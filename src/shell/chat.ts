/**
 * `aish chat NAME`: a conversation with one specialist in one session.
 * Piped input is the first message (`cat notes.md | aish chat apollo`), and
 * the chat then goes on at the terminal when there is one. Without any
 * terminal (scripts, tests) every line of stdin is a message, read as it
 * comes, so a chat can be scripted. `/exit`, `/session`, `/clear` (a fresh
 * session) and `/help`; Ctrl-C stops the current answer and keeps the chat;
 * Ctrl-D leaves. The same code runs in-process and over WebSocket.
 */
import { openSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import type { Readable } from 'node:stream';
import { isatty, ReadStream } from 'node:tty';
import { AishError, exitStatusFor, toAishError, type PendingToolCall, type Specialists } from '../protocol/index.js';
import type { ConnectionEvent } from '../protocol/websocket.js';
import { answerOutput, AnswerWriter, binaryRefusal, DEFAULT_MAX_INPUT, isYes, overLimitMessage, toolCallText, type AnswerContext, type ProcessFacts } from '../exec/index.js';

/**
 * What a chat needs from the other side: the in-process service, the HTTP
 * client and the WebSocket specialist all have it. `onConnection` is there
 * when the connection can drop and come back (WebSocket).
 */
export interface ChatPeer extends Pick<Specialists, 'createSession' | 'getSession' | 'streamSession'> {
  onConnection?(listener: (event: ConnectionEvent) => void): () => void;
}

export interface ChatOptions {
  specialists: ChatPeer;
  specialist: string;
  /** `--session ID|NAME` to resume (a name that does not exist yet is created). */
  session?: string;
  /** Where answers, notices and exchanges go: the REPL's own inside the REPL (one echo notice per run). */
  output: ChatOutput;
  onSession(id: string): void;
  /**
   * The REPL's line editor, when the chat runs inside the REPL: lines and
   * Ctrl-C come from it, and it is left open (with its prompt back) when the
   * chat ends.
   */
  readline?: Interface;
  /** Told when the lent readline's chat prompt shows, waiting for a line, and when it stops (a message is being answered, or the chat ended). */
  onPromptShowing?(showing: boolean): void;
  /** The most bytes one message may hold (`--max-input`, `limits.max_input`; 0 = no limit); 4 MiB when it answers undefined. */
  maxInputBytes?: () => Promise<number | undefined>;
  /** `--binary`: send messages that hold NUL bytes (refused otherwise, as AI stages refuse such input). */
  binary?: boolean;
  /** `--confirm-tools`, `tools_confirm`: ask at the prompt before each tool call (without a terminal, every call is refused). */
  confirmTools?: boolean;
}

/** What a chat writes with: its notices, the process's output facts (rendering, the echo notice), the exchange log. */
export type ChatOutput = Pick<AnswerContext, 'reporter' | 'session' | 'log'>;

/** Output for a chat of its own (`aish chat`): notices on stderr unless quiet; add a `display` and a `log` as wanted. */
export function chatOutput(quiet: boolean, facts: Partial<ProcessFacts> = {}): ChatOutput {
  const write = (text: string): void => void process.stderr.write(text.endsWith('\n') ? text : text + '\n');
  return {
    reporter: { notice: (text) => (quiet ? undefined : write(text)), error: write },
    session: { quiet, defaultTimeoutSeconds: undefined, echoNoticeShown: false, stdoutClosed: false, ...facts },
  };
}

const HELP = '/exit leaves, /session shows the session id, /clear starts a fresh session, /help shows this (Ctrl-C stops an answer, Ctrl-D leaves)\n';

export async function runChat(options: ChatOptions): Promise<number> {
  const chat = new Chat(options);
  // A lent readline is already reading: lines typed while the session opens are kept.
  const lent = options.readline && lineQueue(options.readline);
  try {
    await chat.open();
  } catch (error) {
    lent?.stop();
    const failure = toAishError(error);
    process.stderr.write(`aish: chat: ${failure.message}\n`);
    return exitStatusFor(failure.code);
  }
  const unwatch = options.specialists.onConnection?.((event) => chat.connectionNotice(event));
  try {
    if (options.readline) return await chat.converse(options.readline, { own: false, lines: lent });
    if (isatty(0)) return await chat.converse(createInterface({ input: process.stdin, output: process.stderr, terminal: true }), { own: true });
    const terminal = openTerminal();
    if (!terminal) return await chat.converseLines(process.stdin);
    try {
      const piped = await readBounded(process.stdin, await chat.inputLimit());
      if (piped === TOO_LONG) await chat.refuseLong();
      else if (piped.trim() !== '') await chat.ask(piped);
      return await chat.converse(createInterface({ input: terminal, output: process.stderr, terminal: true }), { own: true });
    } finally {
      terminal.destroy();
    }
  } finally {
    unwatch?.();
  }
}

class Chat {
  private sessionId = '';
  private status = 0;
  private running: AbortController | undefined;

  constructor(private readonly options: ChatOptions) {}

  /** The session of `--session`, or a new one (named after `--session` when that names none yet). */
  async open(): Promise<void> {
    const { specialists, specialist, session } = this.options;
    let id: string;
    if (session?.startsWith('ses_')) id = (await specialists.getSession(session)).id;
    else {
      // Found or created in one step (another process may be opening the same new name).
      const opened = await specialists.createSession({ specialist_id: specialist, ...(session && { name: session, continue_existing: true }) });
      id = opened.id;
      if (opened.created !== false) this.notice(`aish: session ${id} with ${specialist}`);
    }
    this.sessionId = id;
    this.options.onSession(id);
  }

  /** At a terminal: a prompt per message; Ctrl-C stops the answer (or, idle, leaves a chat of our own). */
  async converse(prompt: Interface, { own, lines = lineQueue(prompt) }: { own: boolean; lines?: LineQueue | undefined }): Promise<number> {
    const previousPrompt = prompt.getPrompt();
    const onInterrupt = (): void => {
      if (this.running) this.running.abort();
      else if (own) prompt.close();
      else {
        process.stderr.write('^C\n');
        prompt.write(null, { ctrl: true, name: 'u' });
        prompt.prompt();
      }
    };
    prompt.on('SIGINT', onInterrupt);
    prompt.setPrompt(`${this.options.specialist}> `);
    this.prompt = prompt;
    this.lines = lines;
    try {
      for (;;) {
        prompt.prompt();
        this.options.onPromptShowing?.(true);
        const line = await lines.next();
        this.options.onPromptShowing?.(false);
        if (line === undefined || !(await this.handle(line))) break;
      }
    } finally {
      this.options.onPromptShowing?.(false);
      prompt.off('SIGINT', onInterrupt);
      this.prompt = undefined;
      this.lines = undefined;
      lines.stop();
      if (own) prompt.close();
      else prompt.setPrompt(previousPrompt);
    }
    return this.status;
  }

  /**
   * Without a terminal: each line of `input` is a message or a command, answered
   * before the next is read. A line over the input limit is skipped unread (it is
   * never held whole), said, and the chat goes on with status 1.
   */
  async converseLines(input: Readable): Promise<number> {
    // No terminal to catch Ctrl-C: the signal stops the answer, or ends the chat between answers.
    const onInterrupt = (): void => {
      if (this.running) this.running.abort();
      else input.destroy();
    };
    process.on('SIGINT', onInterrupt);
    try {
      for await (const line of boundedLines(input, await this.inputLimit())) {
        if (line === TOO_LONG) await this.refuseLong();
        else if (!(await this.handle(line))) break;
      }
    } catch (error) {
      // Ctrl-C between answers destroys stdin: the chat ends as at its end of input.
      if (!input.destroyed) throw error;
    } finally {
      process.off('SIGINT', onInterrupt);
    }
    return this.status;
  }

  /** The most bytes a message may hold; Infinity for no limit. */
  async inputLimit(): Promise<number> {
    const limit = (await this.options.maxInputBytes?.()) ?? DEFAULT_MAX_INPUT;
    return limit === 0 ? Infinity : limit;
  }

  /** A message over the input limit was not read whole, nor sent. */
  async refuseLong(): Promise<void> {
    process.stderr.write(`aish: ${overLimitMessage(this.options.specialist, await this.inputLimit())}\n`);
    this.status = 1;
  }

  /** One line: a command or a message. False when the chat should end. */
  private async handle(line: string): Promise<boolean> {
    const text = line.trim();
    if (text === '') return true;
    if (text === '/exit') return false;
    if (text === '/help') process.stderr.write(HELP);
    else if (text === '/session') process.stderr.write(`${this.sessionId}\n`);
    else if (text === '/clear') await this.clear();
    else if (/^\/[a-z]+$/.test(text)) process.stderr.write(`aish: chat: no command ${text} (/help lists them)\n`);
    else await this.ask(line);
    return true;
  }

  private async clear(): Promise<void> {
    try {
      this.sessionId = (await this.options.specialists.createSession({ specialist_id: this.options.specialist })).id;
      this.options.onSession(this.sessionId);
      process.stderr.write(`aish: new session ${this.sessionId}\n`);
    } catch (error) {
      this.status = this.report(toAishError(error));
    }
  }

  /** One message: the answer streamed to stdout by the one answer writer (rendered, logged, its line ended). */
  async ask(message: string): Promise<void> {
    const { specialists, specialist, output } = this.options;
    const limit = await this.inputLimit();
    const refusal = Buffer.byteLength(message) > limit ? overLimitMessage(specialist, limit) : binaryRefusal(message, specialist, this.options);
    if (refusal) {
      process.stderr.write(`aish: ${refusal}\n`);
      this.status = 1;
      return;
    }
    const running = new AbortController();
    this.running = running;
    const sessionId = this.sessionId;
    // In the log, a chat message's command line is the chat that resumes its session.
    const session = this.options.confirmTools ? { ...output.session, confirmTool: (call: PendingToolCall, signal: AbortSignal) => this.confirm(call, signal) } : output.session;
    const context: AnswerContext = { ...output, session, signal: running.signal, pipeline: { commandLine: `${specialist} --session ${sessionId}`, exchanges: [] } };
    const out = answerOutput({ kind: 'fd', fd: 1 }, context, 'stream');
    try {
      const writer = new AnswerWriter({ specialist, form: 'stream', message, sessionId }, out, context);
      const status = await writer.run((signal, hooks) => specialists.streamSession(sessionId, { message, specialist_id: specialist }, signal, hooks));
      // The chat's status is its last failure (0 when every message was answered); a
      // Ctrl-C that stopped one answer is the user's choice, not a failure of the chat.
      if (status !== 0 && !running.signal.aborted) this.status = status;
    } finally {
      this.running = undefined;
    }
  }

  /** `run files.read_text_file {…}? [y/N]` at the chat's prompt: the next line typed answers it. */
  private async confirm(call: PendingToolCall, signal: AbortSignal): Promise<boolean> {
    const { lines } = this;
    if (!lines) {
      process.stderr.write(`aish: ${this.options.specialist}: no terminal to ask whether to run ${call.name}: refused\n`);
      return false;
    }
    process.stderr.write(`run ${toolCallText(call)}? [y/N] `);
    const stopped = new Promise<undefined>((resolve) => signal.addEventListener('abort', () => resolve(undefined), { once: true }));
    const answer = await Promise.race([lines.next(), stopped]);
    return answer !== undefined && isYes(answer);
  }

  private lines: LineQueue | undefined;

  private report(failure: AishError): number {
    process.stderr.write(`aish: ${this.options.specialist}: ${failure.message}\n`);
    return exitStatusFor(failure.code);
  }

  /** The WebSocket dropped or came back: said on stderr (the answers on stdout stay clean). */
  connectionNotice(event: ConnectionEvent): void {
    if (event.type === 'reconnecting' && event.attempt === 1) this.overPrompt(() => this.notice(`aish: connection to the server lost (${event.reason}); reconnecting…`));
    else if (event.type === 'reconnected') this.overPrompt(() => this.notice(`aish: reconnected; session ${this.sessionId} goes on`));
    else if (event.type === 'disconnected') this.overPrompt(() => this.options.output.reporter.error(`aish: could not reconnect: ${event.error.message} (the next message tries again)`));
  }

  /** The prompt a terminal chat shows, while it waits for a line. */
  private prompt: Interface | undefined;

  /**
   * Says something while the prompt waits: on a terminal, on the prompt's row
   * (cleared first), then the prompt is drawn again with what was typed.
   */
  private overPrompt(say: () => void): void {
    const prompt = this.running || !isatty(2) ? undefined : this.prompt;
    if (prompt) process.stderr.write('\r\x1b[2K');
    say();
    prompt?.prompt(true);
  }

  private notice(text: string): void {
    this.options.output.reporter.notice(text);
  }
}

/**
 * Lines of a readline interface one at a time, from its 'line' events (not
 * its async iterator, which would end the interface for a REPL that lends
 * it); undefined once it closes.
 */
interface LineQueue {
  next(): Promise<string | undefined>;
  stop(): void;
}

function lineQueue(reader: Interface): LineQueue {
  const ready: string[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  const onLine = (line: string): void => {
    ready.push(line);
    wake?.();
  };
  const onClose = (): void => {
    closed = true;
    wake?.();
  };
  reader.on('line', onLine);
  reader.on('close', onClose);
  return {
    async next() {
      while (ready.length === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      return ready.shift();
    },
    stop() {
      reader.off('line', onLine);
      reader.off('close', onClose);
    },
  };
}

/** Stands for a message (line or piped input) over the input limit, which was dropped unread. */
const TOO_LONG = Symbol('too long');

/** All of `stream` as text, or TOO_LONG as soon as it passes `limit` bytes (the rest is not read). */
async function readBounded(stream: Readable, limit: number): Promise<string | typeof TOO_LONG> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > limit) return TOO_LONG;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The lines of `stream` (without their newlines; a last line without one
 * too), read as they come. A line longer than `limit` bytes is not kept:
 * its bytes are dropped up to its newline and it comes out as TOO_LONG.
 */
async function* boundedLines(stream: Readable, limit: number): AsyncGenerator<string | typeof TOO_LONG> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let dropping = false;
  for await (const chunk of stream) {
    let rest = chunk as Buffer;
    for (let newline = rest.indexOf(10); newline !== -1; newline = rest.indexOf(10)) {
      const tail = rest.subarray(0, newline);
      rest = rest.subarray(newline + 1);
      if (dropping || pendingBytes + tail.length > limit) yield TOO_LONG;
      else yield Buffer.concat([...pending, tail]).toString('utf8');
      pending = [];
      pendingBytes = 0;
      dropping = false;
    }
    if (dropping) continue;
    pendingBytes += rest.length;
    if (pendingBytes > limit) {
      dropping = true;
      pending = [];
    } else if (rest.length > 0) pending.push(Buffer.from(rest));
  }
  if (dropping) yield TOO_LONG;
  else if (pendingBytes > 0) yield Buffer.concat(pending).toString('utf8');
}

/** The terminal to go on with after piped input: /dev/tty, when stderr is one and it opens. */
function openTerminal(): ReadStream | undefined {
  if (!isatty(2)) return undefined;
  try {
    return new ReadStream(openSync('/dev/tty', 'r'));
  } catch {
    return undefined;
  }
}
