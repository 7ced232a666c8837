/**
 * The character-level half of the parser: blanks, comments, continuations,
 * quoting, escapes and expansions inside words. `Parser` extends it with the
 * structure of lines; `$( … )` calls back into the parser for a nested script.
 */
import type { Diagnostic } from '../diag/diagnostic.js';
import { TextWord, type Script, type Span, type Word, type WordPart } from './ast.js';

/** Thrown inside the parser to unwind; `parse` turns it into a value. */
export class ParseFailure {
  constructor(readonly diagnostic: Diagnostic) {}
}

/**
 * The failure of an attempt that is allowed to fail (a `{` stage tried as a
 * fan-out): its message is never shown, so none is built; the parser tries again
 * for the message when it needs one.
 */
export const SPECULATION_FAILED = new ParseFailure({ code: 'parse/speculation', message: 'this attempt failed', span: { start: 0, end: 0 } });

/** Characters that end a bare word anywhere. */
const META = new Set([' ', '\t', '\r', '\n', '|', '&', ';', '<', '>', '(', ')']);
const SPECIAL_PARAMETERS = '?#@*$!';
/** Unquoted characters that make a word a file-name pattern. */
const GLOB_CHARS = '*?[]';
const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const BRACED_NAME = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[?#@*$!])$/;
/** How deep `(`, `{` and `$(` may nest before the parser refuses. */
const MAX_DEPTH = 64;

/** What an ASCII character is to a bare word, by char code: words are read by code, not by one-character strings. */
const ENDS_WORD = 1;
const NOT_PLAIN = 2;
const CHARACTER_CLASS = new Uint8Array(128);
for (const c of META) CHARACTER_CLASS[c.charCodeAt(0)] = ENDS_WORD | NOT_PLAIN;
for (const c of `\\'"$${GLOB_CHARS}`) CHARACTER_CLASS[c.charCodeAt(0)] = NOT_PLAIN;

/** True when the character (by code) is one of `stops`, the extra word-ending characters (',' and '}' in fan-outs). */
function isStop(code: number, stops: string): boolean {
  return stops !== '' && code < 128 && stops.includes(String.fromCharCode(code));
}

/** True for a character that is literal text in a bare word, not at its start (no quote, escape, `$`, pattern or end). */
function isPlainWordCode(code: number, stops: string): boolean {
  if (code < 128 && CHARACTER_CLASS[code] !== 0) return false;
  return !isStop(code, stops);
}

/** True when the character ends a bare word (the end of input counts: `code` is NaN there). */
function endsWord(code: number, stops: string): boolean {
  return code !== code || (code < 128 && (CHARACTER_CLASS[code]! & ENDS_WORD) !== 0) || isStop(code, stops);
}

function variablePart(name: string, quoted: boolean, start: number, end: number): WordPart {
  return quoted ? { kind: 'variable', name, quoted: true, span: { start, end } } : { kind: 'variable', name, span: { start, end } };
}

export abstract class Scanner {
  pos = 0;
  protected depth = 0;
  /** True inside an attempt that may fail: a failure is then `SPECULATION_FAILED`, without a message. */
  protected speculative = false;

  constructor(readonly source: string) {}

  /** Parses a script up to the `)` that closes a `$(`. */
  protected abstract parseNestedScript(): Script;

  protected get atEnd(): boolean {
    return this.pos >= this.source.length;
  }

  protected peek(offset = 0): string {
    return this.source.charAt(this.pos + offset);
  }

  protected startsWith(text: string): boolean {
    return this.source.startsWith(text, this.pos);
  }

  protected fail(code: string, message: string, at: Span | number, incomplete = false): never {
    if (this.speculative) throw SPECULATION_FAILED;
    const span = typeof at === 'number' ? { start: at, end: Math.min(at + 1, this.source.length) } : at;
    const diagnostic: Diagnostic = { code, message, span };
    if (incomplete) diagnostic.incomplete = true;
    throw new ParseFailure(diagnostic);
  }

  protected enterNesting(at: number): void {
    if (++this.depth > MAX_DEPTH) this.fail('parse/too-deep', `nesting deeper than ${MAX_DEPTH} levels`, at);
  }

  protected leaveNesting(): void {
    this.depth--;
  }

  /** Skips blanks, `\`-newline continuations and comments; stops at a newline. */
  protected skipBlanks(): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r') this.pos++;
      else if (c === '\\' && this.peek(1) === '\n') this.pos += 2;
      else if (c === '#') this.skipComment();
      else return;
    }
  }

  private skipComment(): void {
    const end = this.source.indexOf('\n', this.pos);
    this.pos = end === -1 ? this.source.length : end;
  }

  /** True when a bare word can start here (`stops` are extra word-ending characters). */
  protected atWordStart(stops: string): boolean {
    if (this.atEnd) return false;
    const c = this.peek();
    if (META.has(c) || stops.includes(c) || c === '#') return false;
    // A lone `\` before the end of input still starts a word (an unfinished continuation).
    return true;
  }

  protected isWordEnd(offset: number, stops: string): boolean {
    const c = this.source.charAt(this.pos + offset);
    return c === '' || META.has(c) || stops.includes(c);
  }

  /** Reads one word, or returns undefined when none starts here. */
  protected readWord(stops = ''): Word | undefined {
    if (!this.atWordStart(stops)) return undefined;
    return this.readPlainWord(stops) ?? this.readWordParts(stops);
  }

  /**
   * The common word, a run of plain characters up to the word's end, read
   * without a part builder, as a `TextWord`.
   */
  private readPlainWord(stops: string): Word | undefined {
    const source = this.source;
    const start = this.pos;
    const first = source.charCodeAt(start);
    if (first === 126 /* ~ */ || !isPlainWordCode(first, stops)) return undefined;
    let end = start + 1;
    while (end < source.length && isPlainWordCode(source.charCodeAt(end), stops)) end++;
    if (!endsWord(source.charCodeAt(end), stops)) return undefined;
    this.pos = end;
    return new TextWord(source.slice(start, end), start, end);
  }

  /** A word with quotes, escapes, expansions or patterns in it (a quoted text alone is still a `TextWord`). */
  private readWordParts(stops: string): Word | undefined {
    const start = this.pos;
    const parts = new PartBuilder();
    while (!this.atEnd) {
      const c = this.peek();
      if (META.has(c) || stops.includes(c)) break;
      if (c === '\\') this.readEscape(parts);
      else if (c === "'") this.readSingleQuoted(parts);
      else if (c === '"') this.readDoubleQuoted(parts);
      else if (c === '$') this.readDollar(parts);
      else if (c === '~' && this.pos === start && (this.peek(1) === '/' || this.isWordEnd(1, stops))) {
        parts.push({ kind: 'tilde', span: { start: this.pos, end: this.pos + 1 } });
        this.pos++;
      } else if (GLOB_CHARS.includes(c)) {
        parts.glob(c, this.pos, this.pos + 1);
        this.pos++;
      } else {
        // A run of plain characters is one slice, not one string per character.
        const from = this.pos;
        let end = from + 1;
        while (end < this.source.length && isPlainWordCode(this.source.charCodeAt(end), stops)) end++;
        parts.text(end === from + 1 ? c : this.source.slice(from, end), from, end);
        this.pos = end;
      }
    }
    if (this.pos === start) return undefined;
    const done = parts.done();
    // A word of one part shares that part's span (word spans are never changed after parsing): one object less per word.
    const only = done.length === 1 ? done[0]! : undefined;
    const whole = only !== undefined && only.span.start === start && only.span.end === this.pos;
    if (whole && only.kind === 'text') return new TextWord(only.value, start, this.pos);
    return { kind: 'word', parts: done, span: whole ? only.span : { start, end: this.pos } };
  }

  private readEscape(parts: PartBuilder): void {
    const start = this.pos;
    if (this.peek(1) === '\n') {
      this.pos += 2;
      return;
    }
    if (this.pos + 1 >= this.source.length) {
      this.fail('parse/trailing-backslash', "unfinished line: '\\' at the end of input", start, true);
    }
    const ch = String.fromCodePoint(this.source.codePointAt(this.pos + 1)!);
    this.pos += 1 + ch.length;
    parts.text(ch, start, this.pos);
  }

  private readSingleQuoted(parts: PartBuilder): void {
    const open = this.pos;
    const close = this.source.indexOf("'", open + 1);
    if (close === -1) this.fail('parse/unclosed-quote', 'unclosed single quote', open, true);
    parts.text(this.source.slice(open + 1, close), open, close + 1);
    this.pos = close + 1;
  }

  private readDoubleQuoted(parts: PartBuilder): void {
    const open = this.pos;
    this.pos++;
    parts.text('', open, this.pos); // `""` is an empty word, not no word
    for (;;) {
      if (this.atEnd) this.fail('parse/unclosed-quote', 'unclosed double quote', open, true);
      const c = this.peek();
      if (c === '"') {
        this.pos++;
        parts.text('', this.pos - 1, this.pos);
        return;
      }
      if (c === '\\') {
        const next = this.peek(1);
        if (next === '\n') {
          this.pos += 2;
        } else if (next === '"' || next === '\\' || next === '$' || next === '`') {
          parts.text(next, this.pos, this.pos + 2);
          this.pos += 2;
        } else {
          parts.text('\\', this.pos, this.pos + 1);
          this.pos++;
        }
      } else if (c === '$') {
        this.readDollar(parts, true);
      } else {
        const from = this.pos;
        let end = from + 1;
        for (; end < this.source.length; end++) {
          const d = this.source.charAt(end);
          if (d === '"' || d === '\\' || d === '$') break;
        }
        parts.text(end === from + 1 ? c : this.source.slice(from, end), from, end);
        this.pos = end;
      }
    }
  }

  /** `$NAME`, `${NAME}`, `$(…)`, `$((…))`, a special parameter, or a literal `$`. */
  protected readDollar(parts: PartBuilder, quoted = false): void {
    const start = this.pos;
    const next = this.peek(1);
    if (next === '(' && this.peek(2) === '(') {
      this.readArithmetic(parts);
    } else if (next === '(') {
      this.pos += 2;
      this.enterNesting(start);
      const script = this.parseNestedScript();
      this.leaveNesting();
      if (this.peek() !== ')') this.fail('parse/unclosed-substitution', "unclosed '$('", { start, end: start + 2 }, true);
      this.pos++;
      parts.push(quoted ? { kind: 'substitution', script, quoted: true, span: { start, end: this.pos } } : { kind: 'substitution', script, span: { start, end: this.pos } });
    } else if (next === '{') {
      const close = this.source.indexOf('}', start + 2);
      if (close === -1) this.fail('parse/unclosed-brace', "unclosed '${'", { start, end: start + 2 }, true);
      const name = this.source.slice(start + 2, close);
      if (!BRACED_NAME.test(name)) {
        this.fail('parse/bad-substitution', `bad substitution: '\${${name}}' is not a variable name`, { start, end: close + 1 });
      }
      this.pos = close + 1;
      parts.push(variablePart(name, quoted, start, this.pos));
    } else if (NAME_START.test(next)) {
      let end = start + 2;
      while (end < this.source.length && NAME_CHAR.test(this.source.charAt(end))) end++;
      this.pos = end;
      parts.push(variablePart(this.source.slice(start + 1, end), quoted, start, end));
    } else if ((next >= '0' && next <= '9') || (next !== '' && SPECIAL_PARAMETERS.includes(next))) {
      this.pos += 2;
      parts.push(variablePart(next, quoted, start, this.pos));
    } else {
      parts.text('$', start, start + 1);
      this.pos++;
    }
  }

  /**
   * `$(( … ))`: everything up to the `))` that closes it, parentheses balanced,
   * is the expression; `$` expansions inside are kept as parts and the rest is
   * text, evaluated when the word is expanded (as sh, a bad expression is a
   * run-time error).
   */
  private readArithmetic(parts: PartBuilder): void {
    const start = this.pos;
    this.enterNesting(start);
    this.pos += 3;
    const inner = new PartBuilder();
    let depth = 0;
    for (;;) {
      if (this.atEnd) this.fail('parse/unclosed-arithmetic', "unclosed '$(('", { start, end: start + 3 }, true);
      const c = this.peek();
      if (c === ')' && depth === 0) {
        if (this.peek(1) !== ')') this.fail('parse/expected', "expected '))' to close '$(('", this.pos);
        break;
      }
      if (c === '$') {
        this.readDollar(inner, true);
        continue;
      }
      if (c === '\\' && this.peek(1) === '\n') {
        this.pos += 2;
        continue;
      }
      if (c === '(') depth++;
      if (c === ')') depth--;
      inner.text(c, this.pos, this.pos + 1);
      this.pos++;
    }
    this.pos += 2;
    this.leaveNesting();
    parts.push({ kind: 'arithmetic', parts: inner.done(), span: { start, end: this.pos } });
  }

  /**
   * Reads the expanding body of a here-document between `start` and `end`:
   * `$VAR`, `${VAR}` and `$(…)` expand, `\$`, `\\` and `` \` `` escape,
   * `\`-newline joins lines; with `stripTabs`, leading tabs of each line go.
   */
  protected readHereBody(start: number, end: number, stripTabs: boolean, expand: boolean): WordPart[] {
    const parts = new PartBuilder();
    this.pos = start;
    let lineStart = true;
    while (this.pos < end) {
      const c = this.peek();
      if (lineStart && stripTabs && c === '\t') {
        this.pos++;
        continue;
      }
      lineStart = c === '\n';
      if (expand && c === '\\' && (this.peek(1) === '$' || this.peek(1) === '\\' || this.peek(1) === '`')) {
        parts.text(this.peek(1), this.pos, this.pos + 2);
        this.pos += 2;
      } else if (expand && c === '\\' && this.peek(1) === '\n') {
        this.pos += 2;
      } else if (expand && c === '$') {
        // The body ends at the delimiter line, so an expansion left open inside it
        // is an error that more input cannot fix: not incomplete, and at its `$`.
        const at = this.pos;
        try {
          // A body is never split into words, so its expansions need no quoted mark.
          this.readDollar(parts);
        } catch (error) {
          if (!(error instanceof ParseFailure) || !error.diagnostic.incomplete) throw error;
          this.pos = end + 1;
        }
        if (this.pos > end) {
          const open = this.source.slice(at, at + 2);
          const code = open === '${' ? 'parse/unclosed-brace' : 'parse/unclosed-substitution';
          this.fail(code, `unclosed '${open}' in here-document`, { start: at, end: at + 2 });
        }
      } else {
        parts.text(c, this.pos, this.pos + 1);
        this.pos++;
      }
    }
    return parts.done();
  }
}

/**
 * Collects word parts, merging adjacent literal text into one part and
 * dropping the empty text of `""` unless the word has nothing else.
 */
export class PartBuilder {
  private parts: WordPart[] = [];

  text(value: string, start: number, end: number): void {
    this.append('text', value, start, end);
  }

  glob(value: string, start: number, end: number): void {
    this.append('glob', value, start, end);
  }

  private append(kind: 'text' | 'glob', value: string, start: number, end: number): void {
    const last = this.parts[this.parts.length - 1];
    if (last && last.kind === kind) {
      last.value += value;
      last.span.end = end;
    } else {
      this.parts.push({ kind, value, span: { start, end } });
    }
  }

  push(part: WordPart): void {
    this.parts.push(part);
  }

  done(): WordPart[] {
    let empty = false;
    for (const part of this.parts) if (part.kind === 'text' && part.value === '') empty = true;
    // A copy: the builder's array grew with spare room (17 slots for one part), a copy has none; the AST is what a parse keeps.
    if (!empty) return this.parts.length === 1 ? [this.parts[0]!] : this.parts.slice();
    const kept = this.parts.filter((part) => part.kind !== 'text' || part.value !== '');
    return kept.length > 0 ? kept : this.parts.slice(0, 1);
  }
}

/**
 * The one empty array of every node that has no arguments, redirects or links
 * (frozen: nothing may push into it). The AST is kept, so its size is what a
 * parse costs in GC; most commands have no redirects.
 */
export const NONE: never[] = Object.freeze([]) as unknown as never[];

/**
 * Where the parser collects the items of a list, the stages of a pipeline, the
 * arguments of a command … while it parses them; `take` hands them over as an
 * array of their exact length (an array grown by pushing has spare room, 17
 * slots for one item). The stack is never shrunk, only its top moved.
 */
export class Collector<T> {
  private readonly items: T[] = [];
  top = 0;

  push(item: T): void {
    this.items[this.top++] = item;
  }

  /** The items pushed since the top was `base`, taken off. */
  take(base: number): T[] {
    if (this.top === base) return NONE;
    const items = this.items.slice(base, this.top);
    this.top = base;
    return items;
  }
}
