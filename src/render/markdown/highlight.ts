/**
 * Colours the lines of a fenced code block: keywords, literals, strings,
 * comments and numbers. It keeps what must carry from one line to the next
 * (a block comment, a template literal, a Python triple-quoted string), so a
 * block highlights the same whether it arrives whole or line by line.
 */
import type { Palette } from './ansi.js';
import type { Language } from './languages.js';

/** Inside a construct that continues past the end of a line. */
type Carry = { kind: 'comment'; close: string } | { kind: 'string'; close: string } | undefined;

const IDENTIFIER = /^[A-Za-z_$][\w$]*/;
const NUMBER = /^(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?)/;
const VARIABLE = /^\$(?:\{[^}\s]*\}|[A-Za-z_][\w]*|[0-9#?@*$!-])/;

export class CodeHighlighter {
  private carry: Carry;

  constructor(
    private readonly language: Language,
    private readonly palette: Palette,
  ) {}

  /** One line of code (without its newline), coloured. */
  line(text: string): string {
    let out = '';
    let index = 0;
    if (this.carry) {
      const end = this.closeOf(text, 0, this.carry.close, this.carry.kind === 'string');
      const style = this.carry.kind === 'comment' ? this.palette.comment : this.palette.string;
      out += style(text.slice(0, end ?? text.length));
      if (end === undefined) return out;
      this.carry = undefined;
      index = end;
    }
    let plain = '';
    const flush = (): void => {
      out += plain;
      plain = '';
    };
    while (index < text.length) {
      const token = this.token(text, index);
      if (!token) {
        plain += text[index];
        index++;
        continue;
      }
      flush();
      out += token.text;
      index = token.end;
    }
    flush();
    return out;
  }

  private token(text: string, index: number): { text: string; end: number } | undefined {
    const { language, palette } = this;
    const rest = text.slice(index);
    const previous = index > 0 ? text[index - 1]! : ' ';
    for (const marker of language.lineComments) {
      if (rest.startsWith(marker) && (!language.commentNeedsBlank || /\s/.test(previous))) return { text: palette.comment(rest), end: text.length };
    }
    if (language.blockComment && rest.startsWith(language.blockComment[0])) {
      const [open, close] = language.blockComment;
      const end = this.closeOf(text, index + open.length, close, false);
      if (end === undefined) this.carry = { kind: 'comment', close };
      return { text: palette.comment(text.slice(index, end ?? text.length)), end: end ?? text.length };
    }
    const quote = this.quoteAt(rest);
    if (quote) {
      const end = this.closeOf(text, index + quote.length, quote, quote !== "'" || !language.variables);
      const continues = language.tripleQuotes && quote.length === 3 ? true : (language.multilineQuotes?.includes(quote) ?? false);
      if (end === undefined && continues) this.carry = { kind: 'string', close: quote };
      return { text: palette.string(text.slice(index, end ?? text.length)), end: end ?? text.length };
    }
    if (language.variables) {
      const variable = VARIABLE.exec(rest);
      if (variable) return { text: palette.literal(variable[0]), end: index + variable[0].length };
    }
    if (/[\w$]/.test(previous) && index > 0) return undefined;
    const number = NUMBER.exec(rest);
    if (number && !/[\w$]/.test(rest[number[0].length] ?? '')) return { text: palette.number(number[0]), end: index + number[0].length };
    const word = IDENTIFIER.exec(rest)?.[0];
    if (word === undefined) return undefined;
    const style = language.keywords.has(word) ? palette.keyword : language.literals.has(word) ? palette.literal : undefined;
    return { text: style ? style(word) : word, end: index + word.length };
  }

  private quoteAt(rest: string): string | undefined {
    if (this.language.tripleQuotes && (rest.startsWith('"""') || rest.startsWith("'''"))) return rest.slice(0, 3);
    return this.language.quotes.find((quote) => rest.startsWith(quote));
  }

  /** The index just past `close` from `from` on, skipping backslash escapes; undefined if not on this line. */
  private closeOf(text: string, from: number, close: string, escapes: boolean): number | undefined {
    for (let index = from; index < text.length; index++) {
      if (escapes && text[index] === '\\') {
        index++;
        continue;
      }
      if (text.startsWith(close, index)) return index + close.length;
    }
    return undefined;
  }
}
