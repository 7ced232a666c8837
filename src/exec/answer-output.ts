/**
 * How answers look on aish's own stdout: formatted Markdown when the session
 * asks for it (`--render`, a terminal). Files (`> out.md`) and the pipes
 * between stages always get the text as it came.
 */
import type { ProcessFacts } from './context.js';
import { MarkdownStream } from './markdown/index.js';
import type { OutputTransform, Sink } from './streams.js';

/** The transform for answers written to `sink`, if any. */
export function answerRenderer(sink: Sink, facts: ProcessFacts): OutputTransform | undefined {
  const options = facts.markdown;
  if (!options || sink.kind !== 'fd' || sink.fd !== 1) return undefined;
  return new MarkdownStream(options);
}
