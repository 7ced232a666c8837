/**
 * Markdown for a terminal, rendered as an answer streams in: headings,
 * bullet and numbered lists, block quotes, rules, inline styles, and fenced
 * code blocks with highlighting. Text is written as it arrives, a word at a
 * time: a line is held back only until its start shows what it is (a
 * heading, a list item, a quote), and only what must be seen whole waits for
 * its newline — a code fence line, a line inside a code block, a table row, a
 * rule, and inline markup still open (`**bold` before its closing `**`). The
 * open code fence is remembered across lines, so the output looks the same
 * however the text is split into chunks.
 *
 * Without colour (NO_COLOR, --no-color) only the layout changes — bullets,
 * rules, quote bars — and every marker that carries meaning stays as written.
 */
import type { ColorLevel } from '../color.js';
import { paletteFor, type Palette, type Style } from './ansi.js';
import { CodeHighlighter } from './highlight.js';
import { renderInline } from './inline.js';
import { languageNamed } from './languages.js';

export interface MarkdownOptions {
  /** ANSI styles; off for NO_COLOR and --no-color (render/color.ts decides). */
  color: boolean;
  /** How many colours, when `color` (basic colours when not given). */
  level?: ColorLevel;
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

/** How a line that is being written in pieces looks: what was written before its text, and how its text is styled. */
interface OpenLine {
  style: Style;
  inline: (text: string) => string;
  /** Where the line's inline text starts. */
  textStart: number;
  /** How much of that text is written. */
  written: number;
  /** A heading's text ends before its closing `#`s. */
  heading: boolean;
}

/** A line whose start is a code fence (held whole). */
const FENCE_START = /^ {0,3}(`{3}|~{3})/;
/** A line that could still turn out to be a rule (`- - -`, `***`). */
const RULE_SO_FAR = /^ {0,3}([-*_])(?:[ \t]*\1)*[ \t]*$/;
const HEADING_START = /^ {0,3}(#{1,6})[ \t]+/;

/** Renders Markdown pushed in chunks; `end()` flushes the last partial line. */
export class MarkdownStream {
  private held = '';
  /** The line being written in pieces, once its start said what it is. */
  private open: OpenLine | undefined;
  private fence: Fence | undefined;
  private readonly palette: Palette;
  private readonly width: number;

  constructor(private readonly options: MarkdownOptions) {
    this.palette = paletteFor(options.color ? (options.level ?? 1) || 1 : 0);
    this.width = Math.max(3, Math.min(options.width ?? 80, 80));
  }

  /** Takes the next chunk; returns what can be shown of it now. */
  push(text: string): string {
    this.held += text;
    let out = '';
    const lastNewline = this.held.lastIndexOf('\n');
    if (lastNewline !== -1) {
      const complete = this.held.slice(0, lastNewline);
      this.held = this.held.slice(lastNewline + 1);
      out = complete
        .split('\n')
        .map((line) => this.completeLine(line) + '\n')
        .join('');
    }
    return out + this.partialLine();
  }

  /** Renders what is held (a last line without its newline) and starts afresh. */
  end(): string {
    const rest = this.held === '' && !this.open ? '' : this.completeLine(this.held);
    this.held = '';
    this.fence = undefined;
    return rest;
  }

  /** A whole line: the rest of the one being written in pieces, or all of it. */
  private completeLine(raw: string): string {
    const open = this.open;
    if (!open) return this.renderLine(raw);
    this.open = undefined;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const heading = open.heading ? HEADING.exec(line) : null;
    const text = heading ? (heading[2] ?? '') : line.slice(open.textStart);
    return open.style(open.inline(text.slice(open.written)));
  }

  /** What can be shown of the line that has not ended yet: whole words whose inline markup is closed. */
  private partialLine(): string {
    if (this.fence || this.held === '') return '';
    let prefix = '';
    if (!this.open) {
      const start = this.lineStart(this.held);
      if (!start) return '';
      prefix = start.prefix;
      this.open = start.line;
    }
    const open = this.open;
    const text = this.held.slice(open.textStart);
    const cut = safeCut(text, open.written);
    if (cut <= open.written) return prefix;
    const piece = text.slice(open.written, cut);
    open.written = cut;
    return prefix + open.style(open.inline(piece));
  }

  /**
   * What a line that has not ended is, once its first word and what follows
   * it show that; undefined while that is unclear or the line must be seen
   * whole (a fence, a table row, a rule).
   */
  private lineStart(line: string): { prefix: string; line: OpenLine } | undefined {
    if (!/^\s*\S+[ \t]+\S/.test(line) || FENCE_START.test(line) || /^\s*\|/.test(line) || RULE_SO_FAR.test(line)) return undefined;
    const { palette } = this;
    const color = this.options.color;
    const inline = color ? (text: string) => renderInline(text, palette) : (text: string) => text;
    const plain: Style = (text) => text;
    const heading = HEADING_START.exec(line);
    if (heading) {
      if (!color) return { prefix: '', line: { style: plain, inline, textStart: 0, written: 0, heading: false } };
      const level = heading[1]!.length;
      const style: Style = (text) => (level === 1 ? palette.bold(palette.underline(text)) : level === 2 ? palette.bold(text) : palette.bold(palette.italic(text)));
      return { prefix: '', line: { style, inline, textStart: heading[0].length, written: 0, heading: true } };
    }
    const block = this.blockStart(line, plain);
    if (!block) return undefined;
    return { prefix: block.prefix, line: { style: block.style, inline, textStart: block.textStart, written: 0, heading: false } };
  }

  /** The start of a list item, quote or paragraph line: what comes before its text, and its text's style. */
  private blockStart(line: string, style: Style): { prefix: string; style: Style; textStart: number } | undefined {
    const { palette } = this;
    const quote = QUOTE.exec(line);
    if (quote) {
      const inner = quote[1]!;
      if (!/^\s*\S+[ \t]+\S/.test(inner) || RULE_SO_FAR.test(inner)) return undefined;
      const start = this.blockStart(inner, style);
      if (!start) return undefined;
      const italic: Style = (text) => palette.italic(start.style(text));
      return { prefix: palette.dim('│ ') + palette.italic(start.prefix), style: italic, textStart: line.length - inner.length + start.textStart };
    }
    const bullet = BULLET_ITEM.exec(line);
    if (bullet) {
      const indent = bullet[1]!;
      const content = bullet[2]!;
      // `- [ ] task` or `- [x] task`: wait until the box is whole.
      if (content.startsWith('[') && content.length < 4) return undefined;
      const task = TASK.exec(content);
      const level = Math.floor(indent.replace(/\t/g, '    ').length / 2) % BULLETS.length;
      if (task) return { prefix: `${indent}${palette.marker(task[1] === ' ' ? '☐' : '☑')} `, style, textStart: line.length - task[2]!.length };
      return { prefix: `${indent}${palette.marker(BULLETS[level]!)} `, style, textStart: line.length - content.length };
    }
    const numbered = NUMBERED_ITEM.exec(line);
    if (numbered) return { prefix: `${numbered[1]}${palette.marker(numbered[2]! + numbered[3]!)} `, style, textStart: line.length - numbered[4]!.length };
    return { prefix: '', style, textStart: 0 };
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

/**
 * Where the text from `from` on can be cut for showing now: before the last
 * blank after `from` at which no inline markup is open (a code span, `*`,
 * `_`, `~`, a link or an autolink), so each piece renders as the whole line
 * would; a run of delimiters (`**`) counts once. `from` when there is no
 * such place yet.
 */
function safeCut(text: string, from: number): number {
  let cut = from;
  let code = false;
  let marks = 0;
  let brackets = 0;
  let parens = 0;
  let angles = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char === '\\') {
      index++;
      continue;
    }
    if (char === '`') code = !code;
    if (code || char === '`') continue;
    if (char === '*' || char === '_' || char === '~') {
      // A delimiter run (`**`) opens or closes once.
      while (text[index + 1] === char) index++;
      marks++;
    } else if (char === '[') brackets++;
    // `[text]` alone is text; `[text](url)` stays open until its `)`.
    else if (char === ']' && brackets > 0) {
      brackets--;
      if (text[index + 1] === '(') parens++;
    } else if (char === ')' && parens > 0) parens--;
    else if (char === '<') angles++;
    else if (char === '>' && angles > 0) angles--;
    else if ((char === ' ' || char === '\t') && index > from && marks % 2 === 0 && brackets === 0 && parens === 0 && angles === 0) cut = index;
  }
  return cut;
}
