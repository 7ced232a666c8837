/**
 * Inline Markdown on one line: `code`, **bold**, *italic*, ~~strike~~,
 * [links](url) and <autolinks>, with backslash escapes. Markers are replaced
 * by styles; text that only looks like markup (`2 * 3`, snake_case) stays as
 * written. Emphasis does not span lines: the renderer works line by line.
 */
import type { Palette, Style } from './ansi.js';

const ESCAPABLE = /[!-/:-@[-`{-~]/;
const ALPHANUMERIC = /[\p{L}\p{N}]/u;

export function renderInline(text: string, palette: Palette): string {
  let out = '';
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    const next = text[index + 1];
    if (char === '\\' && next !== undefined && ESCAPABLE.test(next)) {
      out += next;
      index += 2;
      continue;
    }
    const span = char === '`' ? codeSpan(text, index, palette) : char === '*' || char === '_' || char === '~' ? emphasis(text, index, palette) : char === '[' || (char === '!' && next === '[') ? link(text, index, palette) : char === '<' ? autolink(text, index, palette) : undefined;
    if (span) {
      out += span.text;
      index = span.end;
      continue;
    }
    // A delimiter run that opens nothing is text, all of it (so `**` is not retried as `*`).
    const run = char === '`' || char === '*' || char === '_' || char === '~' ? runLength(text, index, char) : 1;
    out += text.slice(index, index + run);
    index += run;
  }
  return out;
}

interface Span {
  text: string;
  end: number;
}

function runLength(text: string, start: number, char: string): number {
  let end = start;
  while (text[end] === char) end++;
  return end - start;
}

function codeSpan(text: string, start: number, palette: Palette): Span | undefined {
  const run = runLength(text, start, '`');
  let search = start + run;
  for (;;) {
    const close = text.indexOf('`', search);
    if (close === -1) return undefined;
    const length = runLength(text, close, '`');
    if (length === run) {
      let inner = text.slice(start + run, close);
      // One space on both sides lets code start or end with a backtick (CommonMark).
      if (inner.length > 2 && inner.startsWith(' ') && inner.endsWith(' ') && inner.trim() !== '') inner = inner.slice(1, -1);
      return { text: palette.code(inner), end: close + run };
    }
    search = close + length;
  }
}

function emphasis(text: string, start: number, palette: Palette): Span | undefined {
  const char = text[start]!;
  const run = runLength(text, start, char);
  if (char === '~' ? run !== 2 : run > 3) return undefined;
  const after = text[start + run];
  // Opening: followed by text, and `_` not inside a word (snake_case stays as it is).
  if (after === undefined || /\s/.test(after)) return undefined;
  if (char === '_' && start > 0 && ALPHANUMERIC.test(text[start - 1]!)) return undefined;
  const close = closingRun(text, start + run, char, run);
  if (close === undefined) return undefined;
  const inner = renderInline(text.slice(start + run, close), palette);
  const style: Style = char === '~' ? palette.strike : run === 1 ? palette.italic : run === 2 ? palette.bold : (value) => palette.bold(palette.italic(value));
  return { text: style(inner), end: close + run };
}

/** Where a run of exactly `run` `char`s closes the emphasis opened before `from`. */
function closingRun(text: string, from: number, char: string, run: number): number | undefined {
  let index = from;
  while (index < text.length) {
    if (text[index] === '`') {
      // Markers inside a code span do not close anything outside it.
      const length = runLength(text, index, '`');
      const close = text.indexOf('`'.repeat(length), index + length);
      index = close === -1 ? index + length : close + length;
      continue;
    }
    if (text[index] === '\\') {
      index += 2;
      continue;
    }
    if (text[index] !== char) {
      index++;
      continue;
    }
    const length = runLength(text, index, char);
    const before = text[index - 1]!;
    const after = text[index + length];
    const flanking = !/\s/.test(before) && (char !== '_' || after === undefined || !ALPHANUMERIC.test(after));
    if (length === run && flanking && index > from) return index;
    index += length;
  }
  return undefined;
}

function link(text: string, start: number, palette: Palette): Span | undefined {
  const image = text[start] === '!';
  const open = image ? start + 1 : start;
  const closeBracket = text.indexOf('](', open + 1);
  if (closeBracket === -1 || text.slice(open + 1, closeBracket).includes('[')) return undefined;
  const closeParen = text.indexOf(')', closeBracket + 2);
  if (closeParen === -1) return undefined;
  const label = text.slice(open + 1, closeBracket);
  // `(url "title")`: the title is not shown.
  const url = text.slice(closeBracket + 2, closeParen).trim().split(/\s+/)[0] ?? '';
  const shown = label === '' ? url : palette.underline(renderInline(label, palette));
  const where = url === '' || url === label ? '' : palette.dim(` (${url})`);
  return { text: (image ? palette.dim('image: ') : '') + shown + where, end: closeParen + 1 };
}

function autolink(text: string, start: number, palette: Palette): Span | undefined {
  const match = /^<((?:https?|mailto|ftp):[^\s<>]+)>/i.exec(text.slice(start));
  return match ? { text: palette.underline(match[1]!), end: start + match[0].length } : undefined;
}
