/**
 * The built-in offline `echo` model: answers `[NAME] ` followed by the last
 * user message, whitespace kept, a word at a time. Deterministic, so every
 * pipeline can be tried and tested offline. `ttft_ms` delays the first word
 * and `tps` paces the words, for benchmarks (`echo?ttft_ms=200&tps=50`).
 */
import type { LanguageModel, ModelPart, ModelRequest } from './provider.js';
import { sleep } from '../protocol/index.js';

/** Pacing for benchmarks: a delay before the first word, and words per second after it. */
export interface EchoOptions {
  ttftMs?: number;
  tps?: number;
}

/** Splits text into words that keep their following whitespace (leading whitespace is its own piece). */
export function echoPieces(text: string): string[] {
  return text.match(/^\s+|\S+\s*/g) ?? [];
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
      const last = [...request.messages].reverse().find((message) => message.role === 'user');
      const pieces = [`[${request.caller}] `, ...echoPieces(last?.content ?? '')];
      if (options.ttftMs) await sleep(options.ttftMs, signal);
      for (let i = 0; i < pieces.length; i++) {
        if (signal.aborted) return;
        if (i > 0 && options.tps) await sleep(1000 / options.tps, signal);
        yield { type: 'text-delta', text: pieces[i]! };
      }
      const input = request.messages.reduce((sum, message) => sum + countWords(message.content), countWords(request.system ?? ''));
      yield { type: 'usage', input, output: pieces.length };
      yield { type: 'finish', reason: 'stop' };
    },
  };
}

function countWords(text: string): number {
  return echoPieces(text).filter((piece) => piece.trim() !== '').length;
}

