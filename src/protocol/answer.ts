/**
 * Folding an answer's stream into one result: the whole text, the model that
 * answered and the `done` event. Every place that answers "all at once" (the
 * message endpoint, a session message without `stream`, JSON-RPC `chat`, a
 * bulk operation, `--no-stream`) folds the same way, so they agree on what a
 * failure or a stream cut short means.
 */
import { AishError } from './errors.js';
import type { StreamEvent } from './specialists.js';

/** A tool call starting or ending. */
export type ToolEvent = Extract<StreamEvent, { type: 'tool.start' | 'tool.done' }>;

/** The event that ends a complete answer. */
export type DoneEvent = Extract<StreamEvent, { type: 'done' }>;

/** One whole answer. */
export interface CollectedAnswer {
  content: string;
  /** The model `start` named (or `done`, where no `start` said it); '' when neither did. */
  model: string;
  done: DoneEvent;
}

export interface CollectOptions {
  /** Hears `start` (who answers, a fallback). */
  onStart?(event: Extract<StreamEvent, { type: 'start' }>): void;
  /** Hears each tool call as it starts and as it ends. */
  onTool?(event: ToolEvent): void;
  /** Hears each piece as it arrives; awaited, so a slow reader slows the fold. */
  onContent?(data: string): void | Promise<void>;
  /** Stops folding once aborted, as if the stream had ended there. */
  signal?: AbortSignal;
  /** The failure for a stream that ends (or is stopped) before `done`; CANCELLED by default. */
  unfinished?(): AishError;
}

/**
 * Reads `events` to their `done` and returns the answer. An `error` event is
 * thrown as an `AishError`; a stream that ends before `done` throws
 * `unfinished()`.
 */
export async function collectAnswer(events: AsyncIterable<StreamEvent>, options: CollectOptions = {}): Promise<CollectedAnswer> {
  let content = '';
  let model = '';
  for await (const event of events) {
    if (options.signal?.aborted) break;
    switch (event.type) {
      case 'start':
        model = event.model;
        options.onStart?.(event);
        break;
      case 'content':
        content += event.data;
        // Awaited only when it waits for something (a slow reader): a tick per piece otherwise.
        if (options.onContent) {
          const waiting = options.onContent(event.data);
          if (waiting) await waiting;
        }
        break;
      case 'error':
        throw new AishError(event.code, event.message, event.details);
      case 'done':
        return { content, model: model || event.model || '', done: event };
      case 'tool.start':
      case 'tool.done':
        options.onTool?.(event);
        break;
    }
  }
  throw options.unfinished?.() ?? new AishError('CANCELLED', 'the request was cancelled');
}
