/**
 * Markdown for a terminal, rendered line by line as an answer streams in:
 * headings, bullet and numbered lists, block quotes, rules, inline styles,
 * and fenced code blocks with highlighting. A partial line is held until its
 * newline (or the end), and the open code fence is remembered across lines,
 * so the output is the same however the text is split into chunks.
 *
 * Without colour (NO_COLOR, --no-color) only the layout changes — bullets,
 * rules, quote bars — and every marker that carries meaning stays as written.
 */
import { COLOR_PALETTE, PLAIN_PALETTE, type Palette } from './ansi.js';
import { CodeHighlighter } from './highlight.js';
import { renderInline } from './inline.js';
import { languageNamed } from './languages.js';

export interface MarkdownOptions {
  /** ANSI styles; off for NO_COLOR and --no-color. */
  color: boolean;
  /** Terminal columns, for horizontal rules (80 when unknown). */
  width?: number;
}

interface Fence {
  marker: string;
  highlighter: CodeHighlighter;
}

/** A backtick fence's info string may not hold a backtick (CommonMark), so ``` `x` ``` is inline code. */
const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const BULLET_ITEM = /^(\s*)[-*+][ \t]+(.*)$/;
const TASK = /^\[([ xX])\][ \t]+(.*)$/;
const NUMBERED_ITEM = /^(\s*)(\d{1,9})([.)])[ \t]+(.*)$/;
const QUOTE = /^ {0,3}>[ \t]?(.*)$/;
const BULLETS = ['•', '◦', '▪'];

/** Renders Markdown pushed in chunks; `end()` flushes the last partial line. */
export class MarkdownStream {
  private held = '';
  private fence: Fence | undefined;
  private readonly palette: Palette;
  private readonly width: number;

  constructor(private readonly options: MarkdownOptions) {
    this.palette = options.color ? COLOR_PALETTE : PLAIN_PALETTE;
    this.width = Math.max(3, Math.min(options.width ?? 80, 80));
  }

  /** Takes the next chunk; returns the rendering of every line it completed. */
  push(text: string): string {
    this.held += text;
    const lastNewline = this.held.lastIndexOf('\n');
    if (lastNewline === -1) return '';
    const complete = this.held.slice(0, lastNewline);
    this.held = this.held.slice(lastNewline + 1);
    return complete
      .split('\n')
      .map((line) => this.renderLine(line) + '\n')
      .join('');
  }

  /** Renders what is held (a last line without its newline) and starts afresh. */
  end(): string {
    const rest = this.held === '' ? '' : this.renderLine(this.held);
    this.held = '';
    this.fence = undefined;
    return rest;
  }

  private renderLine(raw: string): string {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const { palette } = this;
    if (this.fence) {
      if (this.closesFence(line)) {
        this.fence = undefined;
        return palette.dim(line);
      }
      return this.fence.highlighter.line(line);
    }
    const fence = FENCE_OPEN.exec(line);
    if (fence) {
      this.fence = { marker: fence[1]!, highlighter: new CodeHighlighter(languageNamed(fence[2] ?? ''), palette) };
      return palette.dim(line);
    }
    if (!this.options.color) return this.layout(line);
    const heading = HEADING.exec(line);
    if (heading) return this.heading(heading[1]!.length, heading[2] ?? '');
    if (RULE.test(line)) return palette.dim('─'.repeat(this.width));
    return this.block(line, (text) => renderInline(text, palette));
  }

  /** Without colour: bullets, rules and quote bars; everything else as written. */
  private layout(line: string): string {
    if (HEADING.test(line)) return line;
    if (RULE.test(line)) return '─'.repeat(this.width);
    return this.block(line, (text) => text);
  }

  private heading(level: number, text: string): string {
    const { palette } = this;
    const inner = renderInline(text, palette);
    return level === 1 ? palette.bold(palette.underline(inner)) : level === 2 ? palette.bold(inner) : palette.bold(palette.italic(inner));
  }

  /** List items, quotes and plain paragraph lines; `inline` renders their text. */
  private block(line: string, inline: (text: string) => string): string {
    const { palette } = this;
    const quote = QUOTE.exec(line);
    if (quote) return palette.dim('│ ') + palette.italic(this.block(quote[1]!, inline));
    const bullet = BULLET_ITEM.exec(line);
    if (bullet) {
      const indent = bullet[1]!;
      const task = TASK.exec(bullet[2]!);
      const level = Math.floor(indent.replace(/\t/g, '    ').length / 2) % BULLETS.length;
      if (task) return `${indent}${palette.marker(task[1] === ' ' ? '☐' : '☑')} ${inline(task[2]!)}`;
      return `${indent}${palette.marker(BULLETS[level]!)} ${inline(bullet[2]!)}`;
    }
    const numbered = NUMBERED_ITEM.exec(line);
    if (numbered) return `${numbered[1]}${palette.marker(numbered[2]! + numbered[3]!)} ${inline(numbered[4]!)}`;
    return inline(line);
  }

  private closesFence(line: string): boolean {
    const marker = this.fence!.marker;
    const match = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
    return match !== null && match[1]![0] === marker[0] && match[1]!.length >= marker.length;
  }
}

/** Renders a whole text at once (the same as pushing it in any chunks, then `end()`). */
export function renderMarkdown(text: string, options: MarkdownOptions): string {
  const stream = new MarkdownStream(options);
  return stream.push(text) + stream.end();
}
