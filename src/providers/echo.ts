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
  const params = new URLSearchParams(query);
  const options: EchoOptions = {};
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
    async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelPart> {
      let message = lastPrompt(request)?.content ?? '';
      const results = request.messages.at(-1)?.toolResults;
      if (results) message = toolAnswer(results, message);
      else if (request.tools?.length && CALL_LINE.test(message)) {
        if (options.ttftMs) await sleep(options.ttftMs, signal);
        if (signal.aborted) return;
        yield* toolCalls(request, message);
        return;
      }
      if (request.responseFormat) {
        yield* typedEcho(request, withoutFinalNewlines(message), options, signal);
        return;
      }
      const { tps } = options;
      if (options.ttftMs) await sleep(options.ttftMs, signal);
      if (signal.aborted) return;
      yield { type: 'text-delta', text: `[${request.caller}] ` };
      const pieces = tps || message.length <= WORD_AT_A_TIME_LIMIT ? wordsOf(message) : runsOf(message, RUN_CHARS);
      const pace = tps ? new Pacer(signal, 1000 / tps) : undefined;
      try {
        for (const text of pieces) {
          if (pace) await pace.next();
          // Paced, the pacer's flag (set by its one abort listener): the signal's getter costs per word.
          if (pace ? pace.aborted : signal.aborted) return;
          yield { type: 'text-delta', text };
        }
      } finally {
        pace?.stop();
      }
      const input = inputWords(request);
      yield { type: 'usage', input, output: 1 + pieceCount(message) };
      yield { type: 'finish', reason: 'stop' };
    },
  };
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

/**
 * The gaps between paced words: a timer each, and one abort listener for the whole answer
 * (not one added and removed per word: at 1,000 streams of 50 words a second that churn
 * was a visible part of a server's time).
 */
class Pacer {
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Whether the call was aborted (read per word instead of the signal). */
  aborted: boolean;
  private readonly onAbort = (): void => {
    this.aborted = true;
    clearTimeout(this.timer);
    this.wake?.();
  };

  constructor(
    private readonly signal: AbortSignal,
    private readonly gapMs: number,
  ) {
    this.aborted = signal.aborted;
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Resolves after the gap, or at once when the call is aborted. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      if (this.aborted) return resolve();
      this.wake = resolve;
      this.timer = setTimeout(resolve, this.gapMs);
    });
  }

  stop(): void {
    clearTimeout(this.timer);
    this.signal.removeEventListener('abort', this.onAbort);
  }
}
