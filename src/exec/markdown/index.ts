/** Markdown rendered for a terminal: the streaming renderer and where answers use it. */
import type { ExecContext } from '../context.js';
import type { OutputTransform, Sink } from '../streams.js';
import { MarkdownStream } from './markdown-stream.js';

export { MarkdownStream, renderMarkdown, type MarkdownOptions } from './markdown-stream.js';
export { stripAnsi } from './ansi.js';

/**
 * The renderer for an answer written to `sink`, when answers are rendered
 * (`context.session.markdown`) and the sink is aish's own stdout. Files
 * (`> out.md`) and the pipes between stages always get the raw text.
 */
export function answerRenderer(sink: Sink, context: ExecContext): OutputTransform | undefined {
  const options = context.session.markdown;
  if (!options || sink.kind !== 'fd' || sink.fd !== 1) return undefined;
  return new MarkdownStream(options);
}
