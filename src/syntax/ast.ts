/**
 * The aish syntax tree. Node kinds follow the rules of grammar/aish.ebnf; the
 * rule each type implements is written above it. Every node carries the span
 * of source text it was parsed from.
 */
import type { Span } from '../diag/diagnostic.js';

export type { Span };

/** script := line* — one `List` per non-empty line. */
export interface Script {
  kind: 'script';
  lists: List[];
  span: Span;
}

/** list := and_or ( ( ';' | '&' ) and_or )* ( ';' | '&' )? */
export interface List {
  kind: 'list';
  items: ListItem[];
  span: Span;
}

/** One `and_or` of a list; `background` when it was followed by `&`. */
export interface ListItem {
  kind: 'list-item';
  body: AndOr;
  background: boolean;
  span: Span;
}

/** and_or := pipeline ( ( '&&' | '||' ) pipeline )* */
export interface AndOr {
  kind: 'and-or';
  first: Pipeline;
  rest: AndOrLink[];
  span: Span;
}

export interface AndOrLink {
  operator: '&&' | '||';
  pipeline: Pipeline;
}

/** pipeline := ( '!' )? stage ( '|' stage )* */
export interface Pipeline {
  kind: 'pipeline';
  /** `! pipeline`: the status is negated (0 becomes 1, anything else 0). */
  negated?: true;
  stages: Stage[];
  span: Span;
}

/** stage := ( fanout | route | command | '(' pipeline ')' | compound | assignments ) redirect* */
export type Stage = Command | Fanout | Route | Group | Compound | Assignments;

/** compound := if_clause | while_clause | for_clause | brace_group — each ends at its closing word and takes redirects. */
export type Compound = IfClause | WhileClause | ForClause | BraceGroup;

/** A branch of a fan-out: a target with its arguments, or `( pipeline )`. */
export type Branch = Command | Route | Group;

/**
 * command := WORD arg* here?
 * `forced` records `command NAME` or `!NAME`, which force a Unix command.
 */
export interface Command {
  kind: 'command';
  /** `NAME=value` words before the name: set in this command's environment only. */
  assignments?: Assignment[];
  name: Word;
  args: Word[];
  forced?: 'command' | 'bang';
  redirects: Redirect[];
  span: Span;
}

/**
 * fanout := target ( ',' target )+ arg* here?
 *         | '{' branch ( ( ',' | '|' ) branch )* '}' arg* here?
 * `args` after the targets (or the closing brace) are given to every branch.
 */
export interface Fanout {
  kind: 'fanout';
  braced: boolean;
  branches: Branch[];
  args: Word[];
  redirects: Redirect[];
  span: Span;
}

/** route := '@' CAPABILITY arg* here? */
export interface Route {
  kind: 'route';
  capability: string;
  args: Word[];
  redirects: Redirect[];
  span: Span;
}

/** '(' pipeline ')' */
export interface Group {
  kind: 'group';
  pipeline: Pipeline;
  redirects: Redirect[];
  span: Span;
}

/**
 * if_clause := 'if' compound_list 'then' compound_list
 *              ( 'elif' compound_list 'then' compound_list )* ( 'else' compound_list )? 'fi'
 * `branches` holds the `if` and every `elif`, in order.
 */
export interface IfClause {
  kind: 'if';
  branches: IfBranch[];
  otherwise?: Script;
  redirects: Redirect[];
  span: Span;
}

export interface IfBranch {
  condition: Script;
  body: Script;
}

/** while_clause := ( 'while' | 'until' ) compound_list 'do' compound_list 'done' */
export interface WhileClause {
  kind: 'while';
  /** `until`: the body runs while the condition fails. */
  until: boolean;
  condition: Script;
  body: Script;
  redirects: Redirect[];
  span: Span;
}

/** for_clause := 'for' NAME ( 'in' word* )? 'do' compound_list 'done'; without `in`, the positional parameters. */
export interface ForClause {
  kind: 'for';
  variable: string;
  words?: Word[];
  body: Script;
  redirects: Redirect[];
  span: Span;
}

/** brace_group := '{' compound_list '}' — sh's `{ a; b; }`: the lists run in the shell, as one stage. */
export interface BraceGroup {
  kind: 'brace';
  body: Script;
  redirects: Redirect[];
  span: Span;
}

/** assignments := assignment+ — `NAME=value` alone sets shell variables. */
export interface Assignments {
  kind: 'assignments';
  assignments: Assignment[];
  redirects: Redirect[];
  span: Span;
}

/** assignment := NAME '=' word? — the value is never globbed. */
export interface Assignment {
  kind: 'assignment';
  name: string;
  value: Word;
  span: Span;
}

/** redirect := '>' WORD | '>>' WORD | '<' WORD | '2>' WORD | '2>>' WORD | '2>&1' | '>&2', and here */
export type Redirect = FileRedirect | DupRedirect | HereString | HereDoc;

export interface FileRedirect {
  kind: 'file-redirect';
  operator: '>' | '>>' | '<' | '2>' | '2>>';
  target: Word;
  span: Span;
}

/** `2>&1` (stderr to where stdout goes) or `>&2` (stdout to where stderr goes). */
export interface DupRedirect {
  kind: 'dup-redirect';
  operator: '2>&1' | '>&2';
  span: Span;
}

/** here := '<<' QUOTED — the word is the message. */
export interface HereString {
  kind: 'here-string';
  word: Word;
  span: Span;
}

/**
 * here := ( '<<' | '<<-' ) DELIM NEWLINE body DELIM
 * `span` covers the operator and delimiter; `bodySpan` the body lines and the
 * closing delimiter line. `expand` is false when the delimiter was quoted.
 */
export interface HereDoc {
  kind: 'here-doc';
  delimiter: string;
  stripTabs: boolean;
  expand: boolean;
  body: Word;
  span: Span;
  bodySpan: Span;
}

/** A word: the concatenation of its parts after quote removal. */
export interface Word {
  kind: 'word';
  parts: WordPart[];
  span: Span;
}

/**
 * How the parser keeps a word that is one text part spanning the whole word
 * (`echo`, `'find bugs'`, `"a b"`), most words of a script: its text and where
 * it starts and ends, without a span object, a parts array and a part. `span`
 * and `parts` are made when asked (new objects each time), and `toJSON` gives
 * the same JSON as any other word. A parsed script is kept in memory whole, so
 * this is what its size, and the garbage collector's work in a parse, most
 * depend on.
 */
export class TextWord implements Word {
  declare readonly kind: 'word';
  declare readonly text: string;
  declare readonly start: number;
  declare readonly end: number;

  constructor(text: string, start: number, end: number) {
    this.kind = 'word';
    this.text = text;
    this.start = start;
    this.end = end;
  }

  get span(): Span {
    return { start: this.start, end: this.end };
  }

  get parts(): WordPart[] {
    return [{ kind: 'text', value: this.text, span: this.span }];
  }

  toJSON(): { kind: 'word'; parts: WordPart[]; span: Span } {
    return { kind: 'word', parts: this.parts, span: this.span };
  }
}

export type WordPart = Text | Variable | Substitution | Tilde | Glob | Arithmetic;

/** Literal text (quotes and escapes already removed). */
export interface Text {
  kind: 'text';
  value: string;
  span: Span;
}

/** `$NAME`, `${NAME}` and the special parameters `$?`, `$#`, `$@`, `$*`, `$$`, `$0`…`$9`. */
export interface Variable {
  kind: 'variable';
  name: string;
  /** Inside double quotes (or a here-document): never split, an empty value is still a word. */
  quoted?: true;
  span: Span;
}

/** `$( … )`: runs an aish command line and substitutes its output. */
export interface Substitution {
  kind: 'substitution';
  script: Script;
  /** Inside double quotes: one word; unquoted output is split on blanks and newlines. */
  quoted?: true;
  span: Span;
}

/** Unquoted `*`, `?`, `[` or `]`: pattern characters that expand to file names. */
export interface Glob {
  kind: 'glob';
  value: string;
  span: Span;
}

/** `$(( … ))`: 64-bit integer arithmetic; the parts (text and expansions) are evaluated when it runs. */
export interface Arithmetic {
  kind: 'arithmetic';
  parts: WordPart[];
  span: Span;
}

/** `~` at the start of an unquoted word: the home folder. */
export interface Tilde {
  kind: 'tilde';
  span: Span;
}

export type Node =
  | Script
  | List
  | ListItem
  | AndOr
  | Pipeline
  | Command
  | Fanout
  | Route
  | Group
  | IfClause
  | WhileClause
  | ForClause
  | BraceGroup
  | Assignments
  | Assignment
  | FileRedirect
  | DupRedirect
  | HereString
  | HereDoc
  | Word
  | WordPart;

export function assertNever(value: never): never {
  throw new Error(`unexpected node: ${JSON.stringify(value)}`);
}

/** The literal text of a word when it has no expansions, else undefined (glob characters count as text). */
export function literalText(word: Word): string | undefined {
  if (word instanceof TextWord) return word.text;
  let text = '';
  for (const part of word.parts) {
    if (part.kind !== 'text' && part.kind !== 'glob') return undefined;
    text += part.value;
  }
  return text;
}

/** Words that open or close a compound command where a command name could start (as sh's reserved words). */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(['if', 'then', 'elif', 'else', 'fi', 'while', 'until', 'for', 'do', 'done']);
