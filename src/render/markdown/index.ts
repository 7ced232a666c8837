/** Markdown rendered for a terminal: the streaming renderer and where answers use it. */
export { MarkdownStream, renderMarkdown, type MarkdownOptions } from './markdown-stream.js';
export { stripAnsi } from './ansi.js';
