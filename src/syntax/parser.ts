/**
 * The aish parser: source text → `Script`, or a `Diagnostic` that says where
 * and what was expected. A hand-written recursive descent parser that follows
 * grammar/aish.ebnf rule by rule; each method names the rule it parses.
 */
import type { Diagnostic } from '../diag/diagnostic.js';
import type {
  AndOr,
  AndOrLink,
  Assignment,
  Branch,
  Command,
  Compound,
  ForClause,
  IfBranch,
  IfClause,
  WhileClause,
  Fanout,
  Group,
  HereDoc,
  List,
  ListItem,
  Pipeline,
  Redirect,
  Route,
  Script,
  Span,
  Stage,
  Word,
} from './ast.js';
import { literalText, RESERVED_WORDS } from './ast.js';
import { ParseFailure, Scanner, trimmed } from './scanner.js';

export type ParseResult = { ok: true; script: Script } | { ok: false; diagnostic: Diagnostic };

/** Parses a whole script (one or many lines). Never throws for bad input. */
export function parse(source: string): ParseResult {
  try {
    return { ok: true, script: new Parser(source).parseTopLevel() };
  } catch (error) {
    if (error instanceof ParseFailure) return { ok: false, diagnostic: error.diagnostic };
    throw error;
  }
}

const CAPABILITY_CHAR = /[A-Za-z0-9_.:-]/;
/** Operators named in messages, longest first. */
const OPERATORS = ['&&', '||', '<<-', '<<', '>>', '2>&1', '>&2', '2>>', '2>'];
const ASSIGNMENT_START = /[A-Za-z_][A-Za-z0-9_]*=/y;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Elements {
  args: Word[];
  redirects: Redirect[];
  end: number;
}

class Parser extends Scanner {
  /** Here-documents whose bodies start after the next newline, in order. */
  private pendingHereDocs: HereDoc[] = [];
  /** How many brace groups the parser is inside: there a `}` where a command could start closes one. */
  private braceGroups = 0;

  parseTopLevel(): Script {
    const script = this.parseScript(false);
    if (this.pendingHereDocs.length > 0) {
      const first = this.pendingHereDocs[0]!;
      this.fail('parse/unclosed-heredoc', `unclosed here-document: expected a line '${first.delimiter}'`, first.span, true);
    }
    return script;
  }

  /**
   * A newline inside `$( )` reads only the bodies of here-documents begun inside
   * it; those begun earlier on the line, and any still open at the `)`, are read
   * after the line, in the order they were written.
   */
  protected parseNestedScript(): Script {
    const outer = this.pendingHereDocs;
    this.pendingHereDocs = [];
    const script = this.parseScript(true);
    this.pendingHereDocs = [...outer, ...this.pendingHereDocs];
    return script;
  }

  /** script := line* ; line := list? comment? NEWLINE */
  private parseScript(nested: boolean): Script {
    const start = this.pos;
    const lists: List[] = [];
    for (;;) {
      this.skipBlanks();
      if (this.atEnd) break;
      const c = this.peek();
      if (c === '\n') {
        this.consumeNewline();
        continue;
      }
      if (nested && c === ')') break;
      const list = this.parseList();
      if (!list) this.unexpected();
      lists.push(list);
      this.skipBlanks();
      if (!this.atEnd && this.peek() !== '\n' && !(nested && this.peek() === ')')) this.unexpected();
    }
    return { kind: 'script', lists: trimmed(lists), span: { start, end: this.pos } };
  }

  /** list := and_or ( ( ';' | '&' ) and_or )* ( ';' | '&' )? */
  private parseList(): List | undefined {
    const items: ListItem[] = [];
    for (;;) {
      const body = this.parseAndOr();
      if (!body) break;
      const item: ListItem = { kind: 'list-item', body, background: false, span: { ...body.span } };
      items.push(item);
      this.skipBlanks();
      const c = this.peek();
      if (c === ';' || (c === '&' && this.peek(1) !== '&')) {
        this.pos++;
        if (c === '&') {
          item.background = true;
          item.span.end = this.pos;
        }
        this.skipBlanks();
        continue;
      }
      break;
    }
    if (items.length === 0) return undefined;
    return { kind: 'list', items: trimmed(items), span: { start: items[0]!.span.start, end: items[items.length - 1]!.span.end } };
  }

  /** and_or := pipeline ( ( '&&' | '||' ) pipeline )* */
  private parseAndOr(): AndOr | undefined {
    const first = this.parsePipeline();
    if (!first) return undefined;
    const rest: AndOrLink[] = [];
    let end = first.span.end;
    for (;;) {
      this.skipBlanks();
      if (!this.startsWith('&&') && !this.startsWith('||')) break;
      const operator = this.startsWith('&&') ? '&&' : '||';
      const at = this.pos;
      this.pos += 2;
      this.skipNewlines();
      const pipeline = this.parsePipeline();
      if (!pipeline) this.expectedAfter(`a command after '${operator}'`, at, 2);
      rest.push({ operator, pipeline });
      end = pipeline.span.end;
    }
    return { kind: 'and-or', first, rest: trimmed(rest), span: { start: first.span.start, end } };
  }

  /** pipeline := ( '!' blank )? stage ( '|' stage )* — `!` then a blank negates the status; `!NAME` forces a command instead. */
  private parsePipeline(): Pipeline | undefined {
    this.skipBlanks();
    const bang = this.pos;
    const negated = this.peek() === '!' && (this.peek(1) === ' ' || this.peek(1) === '\t');
    if (negated) this.pos++;
    const first = this.parseStage();
    if (!first) {
      if (negated) this.expectedAfter("a command after '!'", bang, 1, false);
      return undefined;
    }
    const stages: Stage[] = [first];
    for (;;) {
      this.skipBlanks();
      if (this.peek() !== '|' || this.peek(1) === '|') break;
      const at = this.pos;
      this.pos++;
      this.skipNewlines();
      this.skipBlanks();
      // As sh: `!` negates a whole pipeline, so it may only start one (`a | ! b` is an error).
      if (this.peek() === '!' && (this.peek(1) === ' ' || this.peek(1) === '\t')) {
        this.fail('parse/expected', "expected a specialist or command after '|', found '!' (it negates a whole pipeline: put it first)", { start: this.pos, end: this.pos + 1 }, false);
      }
      const stage = this.parseStage();
      if (!stage) this.expectedAfter("a specialist or command after '|'", at, 1);
      stages.push(stage);
    }
    const last = stages[stages.length - 1]!;
    const pipeline: Pipeline = { kind: 'pipeline', stages: trimmed(stages), span: { start: negated ? bang : first.span.start, end: last.span.end } };
    if (negated) pipeline.negated = true;
    return pipeline;
  }

  /**
   * stage := fanout | route | command | group | compound | assignments.
   * A reserved word is one only here, where a command name could start; a
   * closing one (`then`, `fi`, `do`, `done` …) ends the list it stands after.
   */
  private parseStage(): Stage | undefined {
    this.skipBlanks();
    const c = this.peek();
    if (c === '(') return this.parseGroup(true);
    if (c === '{') return this.parseBraces();
    if (this.closingBraceHere()) return undefined;
    if (!this.atWordStart(',')) return undefined;
    const keyword = this.reservedWordHere();
    if (keyword !== undefined) return this.parseCompound(keyword);
    const assignments = this.parseAssignments();
    if (assignments.length > 0 && !this.atWordStart('')) return this.assignmentStage(assignments);
    const start = this.pos;
    const first = this.parseTarget(',', true);
    if (assignments.length > 0) {
      if (first.kind === 'route' || this.peek() === ',') this.fail('parse/assignment-before-ai', "'NAME=value' may come before a command, not before a fan-out or '@capability'", start);
      first.assignments = assignments;
      first.span.start = assignments[0]!.span.start;
    }
    if (this.peek() === ',') return this.parseFanout(first);
    const elements = this.parseElements('', true, first.span.end);
    first.args = elements.args;
    first.redirects = elements.redirects;
    first.span.end = elements.end;
    return first;
  }

  /** A reserved word at the parser's position (unquoted, a whole word), or undefined. */
  private reservedWordHere(): string | undefined {
    // The longest reserved word has 5 letters; look at up to 6 without slicing unless one may be there.
    let length = 0;
    for (; length < 6; length++) {
      const code = this.source.charCodeAt(this.pos + length);
      if (!(code >= 97 && code <= 122)) break;
    }
    if (length < 2 || length > 5 || !this.isWordEnd(length, '')) return undefined;
    const word = this.source.slice(this.pos, this.pos + length);
    return RESERVED_WORDS.has(word) ? word : undefined;
  }

  /** A reserved word here, or the `}` that closes a brace group (a word of its own where a command could start, inside one). */
  private closingWordHere(): string | undefined {
    return this.closingBraceHere() ? '}' : this.reservedWordHere();
  }

  private closingBraceHere(): boolean {
    return this.braceGroups > 0 && this.peek() === '}' && this.isWordEnd(1, '');
  }

  /**
   * A stage that starts with `{`: a braced fan-out, or, when a blank follows
   * the `{` and the text is no fan-out, an sh brace group (`{ a; b; }`).
   * The fan-out is tried first, so everything that was a fan-out stays one.
   */
  private parseBraces(): Stage {
    const next = this.peek(1);
    if (next !== ' ' && next !== '\t' && next !== '\n') return this.parseBracedFanout();
    const start = this.pos;
    const pending = [...this.pendingHereDocs];
    const { depth, braceGroups } = this;
    try {
      return this.parseBracedFanout();
    } catch (fanoutError) {
      if (!(fanoutError instanceof ParseFailure)) throw fanoutError;
      this.pos = start;
      this.depth = depth;
      this.braceGroups = braceGroups;
      this.pendingHereDocs = pending;
      try {
        return this.parseBraceGroup();
      } catch (groupError) {
        if (!(groupError instanceof ParseFailure)) throw groupError;
        // When the fan-out stumbled on what only a list has (`;`, `&`, a command on a new line), the group's error says more.
        throw this.listLike(fanoutError.diagnostic.span.start) ? groupError : fanoutError;
      }
    }
  }

  /** True when the text at `at` is a list separator, or a word that starts a line. */
  private listLike(at: number): boolean {
    const c = this.source.charAt(at);
    if (c === ';' || c === '&' || c === '\n') return true;
    // Only blanks between the last newline and `at` (looking back at most 200 characters).
    for (let i = at - 1; i >= Math.max(0, at - 200); i--) {
      const b = this.source.charAt(i);
      if (b === '\n') return true;
      if (b !== ' ' && b !== '\t') return false;
    }
    return false;
  }

  /** brace_group := '{' compound_list '}' redirect* — runs the lists in the shell, as one stage. */
  private parseBraceGroup(): Compound {
    const start = this.pos;
    this.pos++;
    this.braceGroups++;
    const body = this.parseCompoundList(start, '{', ['}']);
    this.braceGroups--;
    this.pos++;
    const group: Compound = { kind: 'brace', body, redirects: [], span: { start, end: this.pos } };
    const elements = this.parseElements('', true, group.span.end, false);
    group.redirects = elements.redirects;
    group.span.end = elements.end;
    return group;
  }

  /** The closing words; a compound command that starts elsewhere is parsed here. */
  private parseCompound(keyword: string): Compound | undefined {
    let compound: Compound;
    if (keyword === 'if') compound = this.parseIf();
    else if (keyword === 'while' || keyword === 'until') compound = this.parseWhile(keyword);
    else if (keyword === 'for') compound = this.parseFor();
    else return undefined;
    const elements = this.parseElements('', true, compound.span.end, false);
    compound.redirects = elements.redirects;
    compound.span.end = elements.end;
    return compound;
  }

  /** if_clause := 'if' list 'then' list ( 'elif' list 'then' list )* ( 'else' list )? 'fi' */
  private parseIf(): IfClause {
    const start = this.pos;
    this.pos += 2;
    const branches: IfBranch[] = [];
    let otherwise: Script | undefined;
    for (;;) {
      const condition = this.parseCompoundList(start, 'if', ['then']);
      this.pos += 4;
      const body = this.parseCompoundList(start, 'if', ['elif', 'else', 'fi']);
      branches.push({ condition, body });
      const next = this.reservedWordHere()!;
      this.pos += next.length;
      if (next === 'elif') continue;
      if (next === 'else') {
        otherwise = this.parseCompoundList(start, 'if', ['fi']);
        this.pos += 2;
      }
      break;
    }
    const clause: IfClause = { kind: 'if', branches, redirects: [], span: { start, end: this.pos } };
    if (otherwise) clause.otherwise = otherwise;
    return clause;
  }

  /** while_clause := ( 'while' | 'until' ) list 'do' list 'done' */
  private parseWhile(keyword: 'while' | 'until'): WhileClause {
    const start = this.pos;
    this.pos += keyword.length;
    const condition = this.parseCompoundList(start, keyword, ['do']);
    this.pos += 2;
    const body = this.parseCompoundList(start, keyword, ['done']);
    this.pos += 4;
    return { kind: 'while', until: keyword === 'until', condition, body, redirects: [], span: { start, end: this.pos } };
  }

  /** for_clause := 'for' NAME ( newline* 'in' word* ( ';' | newline ) )? newline* 'do' list 'done' */
  private parseFor(): ForClause {
    const start = this.pos;
    this.pos += 3;
    this.skipBlanks();
    const nameAt = this.pos;
    const name = this.readWord('');
    const variable = name && this.source.slice(name.span.start, name.span.end);
    if (!variable || !VARIABLE_NAME.test(variable)) {
      if (this.atEnd) this.fail('parse/unclosed-for', "unclosed 'for': expected a variable name", { start, end: start + 3 }, true);
      this.fail('parse/expected', "expected a variable name after 'for'", { start: nameAt, end: Math.max(this.pos, nameAt + 1) });
    }
    const clause: ForClause = { kind: 'for', variable, body: { kind: 'script', lists: [], span: { start, end: start } }, redirects: [], span: { start, end: start } };
    this.skipBlanks();
    if (this.peek() === ';') this.pos++;
    else {
      this.skipNewlines();
      if (this.startsWith('in') && this.isWordEnd(2, '')) {
        this.pos += 2;
        clause.words = this.parseForWords(start);
      }
    }
    this.skipNewlines();
    if (this.atEnd) this.fail('parse/unclosed-for', "unclosed 'for': expected 'do'", { start, end: start + 3 }, true);
    if (this.reservedWordHere() !== 'do') this.expectedHere("'do'");
    this.pos += 2;
    clause.body = this.parseCompoundList(start, 'for', ['done']);
    this.pos += 4;
    clause.span.end = this.pos;
    return clause;
  }

  /** The words after `for NAME in`, up to `;` or a newline. */
  private parseForWords(start: number): Word[] {
    const words: Word[] = [];
    for (;;) {
      this.skipBlanks();
      const word = this.readWord('');
      if (!word) break;
      words.push(word);
    }
    if (this.peek() === ';') this.pos++;
    else if (this.atEnd) this.fail('parse/unclosed-for', "unclosed 'for': expected 'do'", { start, end: start + 3 }, true);
    else if (this.peek() !== '\n') this.expectedHere("';' or a newline after the words of 'for'");
    return words;
  }

  /**
   * compound_list := newline* list ( newline+ list )* newline*, up to one of
   * `ends` (left for the caller to consume), kept as one list. The end of input is incomplete,
   * reported at the word that opened the compound command.
   */
  private parseCompoundList(open: number, opener: string, ends: readonly string[]): Script {
    this.enterNesting(open);
    const lists: List[] = [];
    const wanted = (): string => ends.map((end) => `'${end}'`).join(' or ');
    for (;;) {
      this.skipNewlines();
      if (this.atEnd) this.fail(`parse/unclosed-${opener === '{' ? 'brace' : opener}`, `unclosed '${opener}': expected ${wanted()}`, { start: open, end: open + opener.length }, true);
      const keyword = this.closingWordHere();
      if (keyword !== undefined && ends.includes(keyword)) {
        if (lists.length === 0) this.fail('parse/expected', `expected a command before '${keyword}'`, { start: this.pos, end: this.pos + keyword.length });
        break;
      }
      const list = this.parseList();
      if (!list) this.expectedHere(lists.length === 0 ? 'a command' : wanted());
      lists.push(list);
      this.skipBlanks();
      if (!this.atEnd && this.peek() !== '\n' && this.closingWordHere() === undefined) this.expectedHere(wanted());
    }
    this.leaveNesting();
    // Newlines separate commands here as `;` does: one list, so the printer's `;` reads back the same.
    const span = { start: lists[0]!.span.start, end: lists[lists.length - 1]!.span.end };
    return { kind: 'script', lists: [{ kind: 'list', items: lists.flatMap((list) => list.items), span: { ...span } }], span };
  }

  /** assignment* — `NAME=value` words at the start of a command. */
  private parseAssignments(): Assignment[] {
    const assignments: Assignment[] = [];
    for (;;) {
      ASSIGNMENT_START.lastIndex = this.pos;
      const match = ASSIGNMENT_START.exec(this.source);
      if (!match) return assignments;
      const start = this.pos;
      this.pos += match[0].length;
      const value = this.readWord('') ?? { kind: 'word', parts: [{ kind: 'text', value: '', span: { start: this.pos, end: this.pos } }], span: { start: this.pos, end: this.pos } };
      assignments.push({ kind: 'assignment', name: match[0].slice(0, -1), value, span: { start, end: this.pos } });
      this.skipBlanks();
    }
  }

  /** assignments := assignment+ redirect* — no command: shell variables are set. */
  private assignmentStage(assignments: Assignment[]): Stage {
    const start = assignments[0]!.span.start;
    const end = assignments[assignments.length - 1]!.span.end;
    const elements = this.parseElements('', true, end, false);
    return { kind: 'assignments', assignments, redirects: elements.redirects, span: { start, end: elements.end } };
  }

  /** '(' pipeline ')' redirect* */
  private parseGroup(allowRedirects: boolean): Group {
    const open = this.pos;
    this.enterNesting(open);
    this.pos++;
    this.skipNewlines();
    const pipeline = this.parsePipeline();
    if (!pipeline) {
      if (this.atEnd) this.fail('parse/unclosed-paren', "unclosed '('", open, true);
      this.expectedHere("a specialist or command after '('");
    }
    this.skipNewlines();
    if (this.peek() !== ')') {
      if (this.atEnd) this.fail('parse/unclosed-paren', "unclosed '('", open, true);
      this.expectedHere("')'");
    }
    this.pos++;
    this.leaveNesting();
    const group: Group = { kind: 'group', pipeline, redirects: [], span: { start: open, end: this.pos } };
    if (allowRedirects) {
      const elements = this.parseElements('', true, this.pos, false);
      group.redirects = elements.redirects;
      group.span.end = elements.end;
    }
    return group;
  }

  /**
   * target := NAME | '@' CAPABILITY, the first word of a stage or branch;
   * also `command NAME` and `!NAME`, which force a Unix command.
   */
  private parseTarget(stops: string, allowForce: boolean): Command | Route {
    const start = this.pos;
    if (this.peek() === '@') return this.parseCapability(stops);
    let forced: Command['forced'];
    // `!#` is a word, as `#` starts no word (nor a comment) in the middle of one.
    if (allowForce && this.peek() === '!' && !this.isWordEnd(1, stops) && this.peek(1) !== '#') {
      forced = 'bang';
      this.pos++;
    }
    let name = this.readWord(stops)!;
    if (forced && name.parts.length === 0) {
      // `!` and then only a `\`-newline: the `!` is a word of its own, as in `! x`.
      forced = undefined;
      name = { kind: 'word', parts: [{ kind: 'text', value: '!', span: { start, end: start + 1 } }], span: { start, end: this.pos } };
    }
    // `command,apollo` is a fan-out and `{command}` a branch: the name must follow a blank.
    const next = this.peek();
    const isCommand = this.source.slice(name.span.start, name.span.end) === 'command';
    if (!forced && allowForce && isCommand && (next === '' || !stops.includes(next))) {
      const save = this.pos;
      this.skipBlanks();
      // Inside braces `,` and `}` still end the name; at a stage's start `,` is an operator only in the first word.
      const real = this.readWord(stops.includes('}') ? stops : '');
      if (real) return this.command(real, 'command', start);
      this.pos = save;
    }
    return this.command(name, forced, start);
  }

  private command(name: Word, forced: Command['forced'], start: number): Command {
    const command: Command = { kind: 'command', name, args: [], redirects: [], span: { start, end: this.pos } };
    if (forced) command.forced = forced;
    return command;
  }

  /** route := '@' CAPABILITY */
  private parseCapability(stops: string): Route {
    const at = this.pos;
    let end = at + 1;
    while (end < this.source.length && CAPABILITY_CHAR.test(this.source.charAt(end))) end++;
    const capability = this.source.slice(at + 1, end);
    this.pos = end;
    if (capability === '' || !this.isWordEnd(0, stops)) {
      this.fail('parse/bad-capability', "expected a capability name after '@' (letters, digits, '-', '_', '.', ':')", at);
    }
    return { kind: 'route', capability, args: [], redirects: [], span: { start: at, end } };
  }

  /** fanout := target ( ',' target )+ arg* here? */
  private parseFanout(first: Command | Route): Fanout {
    const branches: Branch[] = [first];
    while (this.peek() === ',') {
      const comma = this.pos;
      this.pos++;
      this.skipBlanks();
      if (!this.atWordStart(',')) this.expectedAfter("a specialist or @capability after ','", comma, 1, false);
      branches.push(this.parseTarget(',', false));
    }
    const start = first.span.start;
    const elements = this.parseElements('', true, this.pos);
    return {
      kind: 'fanout',
      braced: false,
      branches,
      args: elements.args,
      redirects: elements.redirects,
      span: { start, end: elements.end },
    };
  }

  /** fanout := '{' branch ( ( ',' | '|' ) branch )* '}' arg* here? */
  private parseBracedFanout(): Fanout {
    const open = this.pos;
    this.enterNesting(open);
    this.pos++;
    const branches: Branch[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.atEnd) this.fail('parse/unclosed-brace', "unclosed '{'", open, true);
      branches.push(this.parseBranch(branches.length === 0 ? "'{'" : 'a separator'));
      this.skipNewlines();
      const c = this.peek();
      if (c === '}') break;
      if (c === ',' || (c === '|' && this.peek(1) !== '|')) {
        this.pos++;
        continue;
      }
      if (this.atEnd) this.fail('parse/unclosed-brace', "unclosed '{'", open, true);
      if (c === '>' || c === '<' || (c === '2' && this.peek(1) === '>')) {
        this.fail('parse/redirect-in-braces', "a redirect inside '{ }' belongs after the closing '}'", this.pos);
      }
      this.expectedHere("',', '|' or '}'");
    }
    this.pos++;
    this.leaveNesting();
    const elements = this.parseElements('', true, this.pos);
    return {
      kind: 'fanout',
      braced: true,
      branches,
      args: elements.args,
      redirects: elements.redirects,
      span: { start: open, end: elements.end },
    };
  }

  /** branch := target arg* | '(' pipeline ')' */
  private parseBranch(after: string): Branch {
    if (this.peek() === '(') return this.parseGroup(false);
    if (!this.atWordStart(',}')) {
      if (this.peek() === '}' && after === "'{'") this.expectedHere("a specialist inside '{ }'");
      this.expectedHere(`a specialist, @capability or ( pipeline ) after ${after}`);
    }
    const target = this.parseTarget(',}', true);
    const elements = this.parseElements(',}', false, target.span.end);
    target.args = elements.args;
    target.span.end = elements.end;
    return target;
  }

  /** arg* redirect* (in any order, as sh allows), ending at an operator. */
  private parseElements(stops: string, allowRedirects: boolean, end: number, allowArgs = true): Elements {
    const elements: Elements = { args: [], redirects: [], end };
    const done = (): Elements => {
      elements.args = trimmed(elements.args);
      elements.redirects = trimmed(elements.redirects);
      return elements;
    };
    for (;;) {
      this.skipBlanks();
      if (this.atRedirect()) {
        if (!allowRedirects) return done();
        const redirect = this.parseRedirect(stops);
        elements.redirects.push(redirect);
        elements.end = redirect.span.end;
        continue;
      }
      if (!allowArgs) return done();
      const word = this.readWord(stops);
      if (!word) return done();
      elements.args.push(word);
      elements.end = word.span.end;
    }
  }

  private atRedirect(): boolean {
    const c = this.peek();
    return c === '>' || c === '<' || (c === '2' && this.peek(1) === '>');
  }

  /** redirect := '>' WORD | '>>' WORD | '<' WORD | '2>' WORD | '2>>' WORD | '2>&1' | '>&2' | here */
  private parseRedirect(stops: string): Redirect {
    const start = this.pos;
    if (this.startsWith('2>&1') || this.startsWith('>&2')) {
      const operator = this.startsWith('2>&1') ? '2>&1' : '>&2';
      this.pos += operator.length;
      return { kind: 'dup-redirect', operator, span: { start, end: this.pos } };
    }
    if (this.startsWith('<<')) return this.parseHere(stops);
    const operator = (['2>>', '2>', '>>', '>', '<'] as const).find((op) => this.startsWith(op))!;
    if (this.startsWith(operator + '&')) this.fail('parse/bad-redirect', `'${operator}&' is not supported (use '2>&1' or '>&2')`, start);
    this.pos += operator.length;
    this.skipBlanks();
    const target = this.readWord(stops);
    if (!target) this.expectedAfter(`a file name after '${operator}'`, start, operator.length, false);
    return { kind: 'file-redirect', operator, target, span: { start, end: target.span.end } };
  }

  /** here := '<<' QUOTED | ( '<<' | '<<-' ) DELIM NEWLINE body DELIM */
  private parseHere(stops: string): Redirect {
    const start = this.pos;
    const stripTabs = this.startsWith('<<-');
    const operator = stripTabs ? '<<-' : '<<';
    this.pos += operator.length;
    this.skipBlanks();
    const quoted = this.peek() === '"' || this.peek() === "'";
    const word = this.readWord(stops);
    if (!word) this.expectedAfter(`a message or a here-document delimiter after '${operator}'`, start, operator.length, false);
    if (quoted && !stripTabs) return { kind: 'here-string', word, span: { start, end: word.span.end } };
    const delimiter = literalText(word);
    if (delimiter === undefined || delimiter === '' || delimiter.includes('\n')) {
      this.fail('parse/bad-delimiter', 'a here-document delimiter must be a plain word', word.span);
    }
    const raw = this.source.slice(word.span.start, word.span.end);
    const hereDoc: HereDoc = {
      kind: 'here-doc',
      delimiter,
      stripTabs,
      expand: !/['"\\]/.test(raw),
      body: { kind: 'word', parts: [], span: { start: 0, end: 0 } },
      span: { start, end: word.span.end },
      bodySpan: { start: 0, end: 0 },
    };
    this.pendingHereDocs.push(hereDoc);
    return hereDoc;
  }

  /** Consumes a newline, then the bodies of the here-documents it ends. */
  private consumeNewline(): void {
    this.pos++;
    const pending = this.pendingHereDocs;
    this.pendingHereDocs = [];
    for (const hereDoc of pending) this.readHereDoc(hereDoc);
  }

  private readHereDoc(hereDoc: HereDoc): void {
    const bodyStart = this.pos;
    let lineStart = bodyStart;
    // In an expanding body a line ending in an odd number of `\` joins the next
    // line, as in sh, so that next line cannot close the here-document.
    let joined = false;
    for (;;) {
      if (lineStart >= this.source.length) {
        this.fail('parse/unclosed-heredoc', `unclosed here-document: expected a line '${hereDoc.delimiter}'`, hereDoc.span, true);
      }
      const newline = this.source.indexOf('\n', lineStart);
      const lineEnd = newline === -1 ? this.source.length : newline;
      let line = this.source.slice(lineStart, lineEnd);
      if (hereDoc.stripTabs) line = line.replace(/^\t+/, '');
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === hereDoc.delimiter && !joined) {
        const parts = this.readHereBody(bodyStart, lineStart, hereDoc.stripTabs, hereDoc.expand);
        hereDoc.body = { kind: 'word', parts, span: { start: bodyStart, end: lineStart } };
        hereDoc.bodySpan = { start: bodyStart, end: lineEnd };
        this.pos = newline === -1 ? lineEnd : lineEnd + 1;
        return;
      }
      joined = hereDoc.expand && /(?:^|[^\\])(?:\\\\)*\\$/.test(this.source.slice(lineStart, lineEnd));
      lineStart = lineEnd + 1;
    }
  }

  /** Skips blanks, comments and newlines (reading any here-document bodies). */
  private skipNewlines(): void {
    for (;;) {
      this.skipBlanks();
      if (this.peek() !== '\n') return;
      this.consumeNewline();
    }
  }

  /**
   * `continues` is true after an operator that a newline may follow (`|`, `&&`, `||`):
   * only then is the end of input merely unfinished, and the error is reported
   * against what comes after the newlines.
   */
  private expectedAfter(what: string, at: number, length: number, continues = true): never {
    if (continues) this.skipNewlines();
    const incomplete = continues && this.atEnd;
    const found = incomplete ? '' : `, found ${this.describeHere()}`;
    // The caret goes under what was found; at the end of input, under the operator that lacks its word.
    const span = this.atEnd || this.peek() === '\n' ? { start: at, end: at + length } : this.tokenSpan();
    this.fail('parse/expected', `expected ${what}${found}`, span, incomplete);
  }

  /** The span of the operator or character at the parser's position. */
  private tokenSpan(): Span {
    const keyword = this.reservedWordHere();
    if (keyword) return { start: this.pos, end: this.pos + keyword.length };
    const operator = OPERATORS.find((op) => this.startsWith(op));
    const length = operator?.length ?? String.fromCodePoint(this.source.codePointAt(this.pos)!).length;
    return { start: this.pos, end: this.pos + length };
  }

  private expectedHere(what: string): never {
    this.fail('parse/expected', `expected ${what}, found ${this.describeHere()}`, this.pos, this.atEnd);
  }

  private describeHere(): string {
    if (this.atEnd) return 'the end of input';
    const keyword = this.reservedWordHere();
    if (keyword) return `'${keyword}'`;
    for (const op of OPERATORS) {
      if (this.startsWith(op)) return `'${op}'`;
    }
    const c = this.peek();
    if (c === '\n') return 'a newline';
    const bare = /^[A-Za-z0-9_./:=+%^-]{2,}/.exec(this.source.slice(this.pos, this.pos + 40));
    if (bare) return `'${bare[0]}'`;
    return `'${String.fromCodePoint(this.source.codePointAt(this.pos)!)}'`;
  }

  /** A line that starts with something that cannot start a command. */
  private unexpected(): never {
    const c = this.peek();
    const token = this.describeHere();
    if (c === '|' || c === '&' || c === ';') this.fail('parse/expected', `expected a command before ${token}`, this.pos);
    if (c === ',') this.fail('parse/expected', `expected a specialist before ${token}`, this.pos);
    this.fail('parse/unexpected', `unexpected ${token}`, this.tokenSpan());
  }
}
