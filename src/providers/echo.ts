/**
 * The built-in offline `echo` model: answers `[NAME] ` followed by the last
 * user message, whitespace kept, a word at a time. Deterministic, so every
 * pipeline can be tried and tested offline. `ttft_ms` delays the first word
 * and `tps` paces the words, for benchmarks (`echo?ttft_ms=200&tps=50`).
 *
 * Unpaced (no `tps`), a message longer than WORD_AT_A_TIME_LIMIT is answered
 * in runs of whole words of about RUN_CHARS each: the text is the same, but a
 * part per word would cost every layer above (resilience, service, SSE or
 * stdout) one step per word, and a large message would take seconds instead
 * of streaming at a pipe's speed.
 *
 * It calls tools too, so the tool loop is testable offline: when the request
 * offers at least one tool, each message line `CALL SERVER.TOOL {json}` is one
 * tool call (all in one round); once the last message carries the results, the
 * answer is `[NAME] `, each result's text on its own line, then the message's
 * other lines.
 */
import { type LanguageModel, type ModelMessage, type ModelPart, type ModelRequest } from './provider.js';
import { minimalInstance } from './echo-instance.js';
import { sleep } from '../protocol/index.js';

/** Pacing for benchmarks: a delay before the first word, and words per second after it. */
export interface EchoOptions {
  ttftMs?: number;
  tps?: number;
}

/** Up to this many characters, an unpaced message is still answered a word at a time. */
export const WORD_AT_A_TIME_LIMIT = 64 * 1024;
/** About how many characters one run of words holds past that. */
const RUN_CHARS = 64 * 1024;

/** Splits text into words that keep their following whitespace (leading whitespace is its own piece). */
export function echoPieces(text: string): string[] {
  return [...wordsOf(text)];
}

/** The pieces of {@link echoPieces}, one at a time (a large message never becomes an array of words). */
function* wordsOf(text: string): Generator<string> {
  const word = /^\s+|\S+\s*/g;
  for (let found = word.exec(text); found; found = word.exec(text)) yield found[0];
}

/** The same text in runs of whole words of about `size` characters (the first may start with whitespace). */
function* runsOf(text: string, size: number): Generator<string> {
  const wordStart = /\s\S/g;
  for (let at = 0; at < text.length; ) {
    // The run ends where the first word starting at or after `at + size` starts.
    wordStart.lastIndex = at + size - 1;
    const found = wordStart.exec(text);
    const end = found ? found.index + 1 : text.length;
    yield text.slice(at, end);
    at = end;
  }
}

/** How many pieces {@link echoPieces} gives, counted without making them. */
function pieceCount(text: string): number {
  return (/^\s/.test(text) ? 1 : 0) + countWords(text);
}

/** Runs of non-whitespace (`test` on a global regex moves on without building match arrays). */
function countWords(text: string): number {
  const word = /\S+/g;
  let count = 0;
  while (word.test(text)) count++;
  return count;
}

const MAX_TTFT_MS = 86_400_000;
const MIN_TPS = 0.001;

/** Reads `ttft_ms` and `tps` from a reference's query string; invalid values are ignored. */
export function parseEchoOptions(query: string): EchoOptions {
  const options: EchoOptions = {};
  // Plain `echo` (every offline start) has no query: URLSearchParams' first use costs a start more than the rest of this.
  if (query === '') return options;
  const params = new URLSearchParams(query);
  const ttft = Number(params.get('ttft_ms'));
  const tps = Number(params.get('tps'));
  // Bounded so every delay fits a Node timer (at most 2^31-1 ms): a day before the first word, 1000 s between words.
  if (params.has('ttft_ms') && Number.isFinite(ttft) && ttft >= 0 && ttft <= MAX_TTFT_MS) options.ttftMs = ttft;
  if (params.has('tps') && Number.isFinite(tps) && tps >= MIN_TPS) options.tps = tps;
  return options;
}

/** The echo model for `reference`, paced by `options`. */
export function createEchoModel(reference: string, options: EchoOptions = {}): LanguageModel {
  return {
    reference,
    stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelPart> {
      let message = lastPrompt(request)?.content ?? '';
      const results = request.messages.at(-1)?.toolResults;
      if (results) message = toolAnswer(results, message);
      else if (request.tools?.length && CALL_LINE.test(message)) return toolCallAnswer(request, message, options, signal);
      if (request.responseFormat) return typedEcho(request, withoutFinalNewlines(message), options, signal);
      return new EchoAnswer(request, message, options, signal);
    },
  };
}

/** The tool calls a message's CALL lines ask for, after `ttft_ms`. */
async function* toolCallAnswer(request: ModelRequest, message: string, options: EchoOptions, signal: AbortSignal): AsyncGenerator<ModelPart> {
  if (options.ttftMs) await sleep(options.ttftMs, signal);
  if (signal.aborted) return;
  yield* toolCalls(request, message);
}

const DONE: IteratorResult<ModelPart> = Object.freeze({ done: true, value: undefined });

/**
 * A plain echo answer: `[NAME] `, the message's pieces (paced by `tps`), usage, finish. A
 * hand-written iterator, not a generator: benchmarks run thousands of these streams at once,
 * and a generator costs several promises per word where this costs one (and, paced, its
 * timer).
 *
 * Paced, the gaps between words are a timer each and one abort listener for the whole answer
 * (not one added and removed per word: at 1,000 streams of 50 words a second that churn was a
 * visible part of a server's time). The timer hands out the next part itself. The pacing
 * lives in this object rather than one of its own: with a thousand streams each word finds its
 * stream's objects out of the CPU's caches, and every further object costs a memory fetch.
 */
class EchoAnswer implements AsyncIterableIterator<ModelPart> {
  /** 0: the name next; 1: the pieces; 2: usage next; 3: finish next; 4: ended. */
  private step = 0;
  /** Word at a time: the next piece from `word` (its lastIndex moves on); else runs of words. */
  private readonly word: RegExp | undefined;
  private readonly runs: Iterator<string> | undefined;
  /** Paced: the gap between words (0: not paced). */
  private gapMs = 0;
  /** Paced: whether the call was aborted (its one listener sets it; the signal's getter costs, per word). */
  private aborted = false;
  private timer: NodeJS.Timeout | undefined;
  /** Paced: the waiting read, and the piece its timer hands out. */
  private wake: ((result: IteratorResult<ModelPart>) => void) | undefined;
  private waiting = '';
  private readonly fire = (): void => {
    const wake = this.wake;
    this.wake = undefined;
    wake?.(this.piece(this.waiting));
  };
  private readonly onAbort = (): void => {
    this.aborted = true;
    clearTimeout(this.timer);
    this.fire();
  };

  constructor(
    private readonly request: ModelRequest,
    private readonly message: string,
    private readonly options: EchoOptions,
    private readonly signal: AbortSignal,
  ) {
    if (options.tps || message.length <= WORD_AT_A_TIME_LIMIT) this.word = /^\s+|\S+\s*/g;
    else this.runs = runsOf(message, RUN_CHARS);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ModelPart>> {
    switch (this.step) {
      case 0:
        return this.begin();
      case 1: {
        const text = this.nextPiece();
        if (text === undefined) {
          this.stopPacing();
          this.step = 3;
          return Promise.resolve({ done: false, value: { type: 'usage', input: inputWords(this.request), output: 1 + pieceCount(this.message) } });
        }
        if (this.gapMs) {
          this.waiting = text;
          return new Promise((resolve) => {
            this.wake = resolve;
            if (this.aborted) this.fire();
            else this.timer = setTimeout(this.fire, this.gapMs);
          });
        }
        return Promise.resolve(this.piece(text));
      }
      case 3:
        this.step = 4;
        return Promise.resolve({ done: false, value: { type: 'finish', reason: 'stop' } });
      default:
        return Promise.resolve(DONE);
    }
  }

  return(): Promise<IteratorResult<ModelPart>> {
    this.end();
    return Promise.resolve(DONE);
  }

  /** The wait for the first word (`ttft_ms`), then the name. */
  private async begin(): Promise<IteratorResult<ModelPart>> {
    this.step = 4;
    if (this.options.ttftMs) await sleep(this.options.ttftMs, this.signal);
    if (this.signal.aborted) return DONE;
    this.step = 1;
    if (this.options.tps) {
      this.gapMs = 1000 / this.options.tps;
      this.signal.addEventListener('abort', this.onAbort, { once: true });
    }
    return { done: false, value: { type: 'text-delta', text: `[${this.request.caller}] ` } };
  }

  private nextPiece(): string | undefined {
    if (this.runs) {
      const run = this.runs.next();
      return run.done ? undefined : run.value;
    }
    return this.word!.exec(this.message)?.[0];
  }

  /** A piece, unless the call was aborted meanwhile (then the answer just ends). */
  private piece(text: string): IteratorResult<ModelPart> {
    if (this.gapMs ? this.aborted : this.signal.aborted) {
      this.end();
      return DONE;
    }
    return { done: false, value: { type: 'text-delta', text } };
  }

  private stopPacing(): void {
    if (!this.gapMs) return;
    clearTimeout(this.timer);
    this.signal.removeEventListener('abort', this.onAbort);
  }

  private end(): void {
    this.step = 4;
    this.stopPacing();
  }
}

/** The last user message that is a prompt (not the results of tool calls). */
function lastPrompt(request: ModelRequest): ModelMessage | undefined {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i]!;
    if (message.role === 'user' && !message.toolResults) return message;
  }
  return undefined;
}

/** `CALL SERVER.TOOL {json}`: a line that asks for a tool (the arguments default to `{}`). */
const CALL_LINE = /^CALL[ \t]+(\S+)(?:[ \t]+(.*?))?[ \t]*\r?$/m;

/** Lines of `text` with their newlines kept. */
function linesOf(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** One tool-call part per CALL line (`.` in the name becomes `__`), then `finish: tool_calls`. */
function* toolCalls(request: ModelRequest, message: string): Generator<ModelPart> {
  let count = 0;
  for (const line of linesOf(message)) {
    const call = CALL_LINE.exec(line);
    if (!call) continue;
    count++;
    yield { type: 'tool-call', id: `call_${count}`, name: call[1]!.replaceAll('.', '__'), arguments: call[2] || '{}' };
  }
  yield { type: 'usage', input: inputWords(request), output: count };
  yield { type: 'finish', reason: 'tool_calls' };
}

/** The answer after tool calls: each result's text on its own line, then the prompt's lines that were not CALLs. */
function toolAnswer(results: readonly { content: string }[], prompt: string): string {
  const texts = results.map(({ content }) => (content.endsWith('\n') ? content : `${content}\n`));
  const others = linesOf(prompt).filter((line) => !CALL_LINE.test(line));
  return texts.join('') + others.join('');
}

function inputWords(request: ModelRequest): number {
  return request.messages.reduce((sum, { content }) => sum + countWords(content), countWords(request.system ?? ''));
}

/** A schema's answer: its minimal instance as JSON text (a list: one item), the message as its first string; one part. */
async function* typedEcho(request: ModelRequest, message: string, options: EchoOptions, signal: AbortSignal): AsyncGenerator<ModelPart> {
  const format = request.responseFormat!;
  let value: unknown;
  if (format.field === undefined) value = minimalInstance(format.schema, message);
  else {
    const inner = (format.schema.properties as Record<string, Record<string, unknown>>)[format.field] ?? {};
    const item = format.multi ? [minimalInstance((inner.items as Record<string, unknown>) ?? {}, message, format.schema)] : minimalInstance(inner, message, format.schema);
    value = { [format.field]: item };
  }
  if (options.ttftMs) await sleep(options.ttftMs, signal);
  if (signal.aborted) return;
  yield { type: 'text-delta', text: JSON.stringify(value) };
  const input = inputWords(request);
  yield { type: 'usage', input, output: 1 };
  yield { type: 'finish', reason: 'stop' };
}

/** Piped text ends in a newline that is no part of a name or a title: a typed echo leaves it out. */
function withoutFinalNewlines(text: string): string {
  return text.replace(/\n+$/, '');
}
