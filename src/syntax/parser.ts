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
import { Collector, NONE, ParseFailure, Scanner, SPECULATION_FAILED } from './scanner.js';

/** The closing words expected, as a message says them: `'elif' or 'else' or 'fi'`. */
function expectedWords(ends: readonly string[]): string {
  return ends.map((end) => `'${end}'`).join(' or ');
}

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
/** The words that end each compound list (made once, not at every compound command). */
const BRACE_END = ['}'];
const THEN = ['then'];
const IF_BODY_END = ['elif', 'else', 'fi'];
const FI = ['fi'];
const DO = ['do'];
const DONE = ['done'];
/** The reserved words, for looking one up without slicing the source. */
const RESERVED_LIST = [...RESERVED_WORDS];

/** A stage that takes redirects (and, for a command, route or fan-out, arguments) after what starts it. */
interface WithElements {
  args?: Word[];
  redirects: Redirect[];
  span: Span;
}

/** Where the parser is, kept before a fan-out is tried so that a brace group can be tried from the same place. */
interface SavedState {
  pos: number;
  depth: number;
  braceGroups: number;
  pendingHereDocs: HereDoc[];
  collected: number;
  redirects: number;
}

class Parser extends Scanner {
  /** Here-documents whose bodies start after the next newline, in order. */
  private pendingHereDocs: HereDoc[] = [];
  /** How many brace groups the parser is inside: there a `}` where a command could start closes one. */
  private braceGroups = 0;
  /**
   * Lists, items, links, stages, branches and arguments are collected on this
   * stack while they are parsed and taken off as one exact array
   * (`take`); what is nested inside an item is taken off before the item is pushed.
   */
  private readonly collected = new Collector<unknown>();
  /** As `collected`, for redirects, which come between the arguments of a command. */
  private readonly redirectStack = new Collector<Redirect>();

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
    if (outer.length > 0) this.pendingHereDocs = outer.concat(this.pendingHereDocs);
    return script;
  }

  /** The items collected since `base`, as one array (see `collected`). */
  private take<T>(base: number): T[] {
    return this.collected.take(base) as T[];
  }

  /** script := line* ; line := list? comment? NEWLINE */
  private parseScript(nested: boolean): Script {
    const start = this.pos;
    const base = this.collected.top;
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
      this.collected.push(list);
      this.skipBlanks();
      if (!this.atEnd && this.peek() !== '\n' && !(nested && this.peek() === ')')) this.unexpected();
    }
    return { kind: 'script', lists: this.take<List>(base), span: { start, end: this.pos } };
  }

  /** list := and_or ( ( ';' | '&' ) and_or )* ( ';' | '&' )? */
  private parseList(): List | undefined {
    const base = this.collected.top;
    return this.parseListItems() ? this.listOf(this.take<ListItem>(base)) : undefined;
  }

  /**
   * The items of a list, pushed onto `collected`; false when no item starts here.
   * An item that is not in the background shares its body's span (spans are not changed once a node is made).
   */
  private parseListItems(): boolean {
    let found = false;
    for (;;) {
      const body = this.parseAndOr();
      if (!body) break;
      found = true;
      const item: ListItem = { kind: 'list-item', body, background: false, span: body.span };
      this.collected.push(item);
      this.skipBlanks();
      const c = this.peek();
      if (c === ';' || (c === '&' && this.peek(1) !== '&')) {
        this.pos++;
        if (c === '&') {
          item.background = true;
          item.span = { start: body.span.start, end: this.pos };
        }
        this.skipBlanks();
        continue;
      }
      break;
    }
    return found;
  }

  /** A list of these items; a list of one item shares its span. */
  private listOf(items: ListItem[]): List {
    const first = items[0]!;
    const span = items.length === 1 ? first.span : { start: first.span.start, end: items[items.length - 1]!.span.end };
    return { kind: 'list', items, span };
  }

  /** and_or := pipeline ( ( '&&' | '||' ) pipeline )* */
  private parseAndOr(): AndOr | undefined {
    const first = this.parsePipeline();
    if (!first) return undefined;
    const base = this.collected.top;
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
      const link: AndOrLink = { operator, pipeline };
      this.collected.push(link);
      end = pipeline.span.end;
    }
    // An and-or of one pipeline shares its span.
    const rest = this.take<AndOrLink>(base);
    return { kind: 'and-or', first, rest, span: rest.length === 0 ? first.span : { start: first.span.start, end } };
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
    const base = this.collected.top;
    this.collected.push(first);
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
      this.collected.push(stage);
    }
    const stages = this.take<Stage>(base);
    if (stages.length === 1 && !negated) return { kind: 'pipeline', stages, span: first.span };
    const pipeline: Pipeline = { kind: 'pipeline', stages, span: { start: negated ? bang : first.span.start, end: stages[stages.length - 1]!.span.end } };
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
    this.parseElements(first, '', true);
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
    for (const word of RESERVED_LIST) if (word.length === length && this.source.startsWith(word, this.pos)) return word;
    return undefined;
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
    // The fan-out is tried without building its error messages: most such stages are brace groups.
    const saved = this.saveState();
    const speculative = this.speculative;
    this.speculative = true;
    try {
      return this.parseBracedFanout();
    } catch (error) {
      if (!(error instanceof ParseFailure)) throw error;
    } finally {
      this.speculative = speculative;
    }
    this.restoreState(saved);
    try {
      return this.parseBraceGroup();
    } catch (groupError) {
      // Inside another attempt, any failure will do: that attempt reparses for its message.
      if (!(groupError instanceof ParseFailure) || speculative) throw groupError;
      this.restoreState(saved);
      const fanoutError = this.fanoutFailure();
      // When the fan-out stumbled on what only a list has (`;`, `&`, a command on a new line), the group's error says more.
      throw this.listLike(fanoutError.diagnostic.span.start) ? groupError : fanoutError;
    }
  }

  /** The diagnostic of a braced fan-out that failed when it was tried, parsed again with its messages. */
  private fanoutFailure(): ParseFailure {
    try {
      this.parseBracedFanout();
    } catch (error) {
      if (error instanceof ParseFailure) return error;
      throw error;
    }
    throw new Error('a braced fan-out that failed parsed on its second try');
  }

  private saveState(): SavedState {
    const { pos, depth, braceGroups } = this;
    return { pos, depth, braceGroups, pendingHereDocs: [...this.pendingHereDocs], collected: this.collected.top, redirects: this.redirectStack.top };
  }

  private restoreState(saved: SavedState): void {
    this.pos = saved.pos;
    this.depth = saved.depth;
    this.braceGroups = saved.braceGroups;
    this.pendingHereDocs = [...saved.pendingHereDocs];
    this.collected.top = saved.collected;
    this.redirectStack.top = saved.redirects;
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
    const body = this.parseCompoundList(start, '{', BRACE_END);
    this.braceGroups--;
    this.pos++;
    const group: Compound = { kind: 'brace', body, redirects: NONE, span: { start, end: this.pos } };
    this.parseElements(group, '', false);
    return group;
  }

  /** The closing words; a compound command that starts elsewhere is parsed here. */
  private parseCompound(keyword: string): Compound | undefined {
    let compound: Compound;
    if (keyword === 'if') compound = this.parseIf();
    else if (keyword === 'while' || keyword === 'until') compound = this.parseWhile(keyword);
    else if (keyword === 'for') compound = this.parseFor();
    else return undefined;
    this.parseElements(compound, '', false);
    return compound;
  }

  /** if_clause := 'if' list 'then' list ( 'elif' list 'then' list )* ( 'else' list )? 'fi' */
  private parseIf(): IfClause {
    const start = this.pos;
    this.pos += 2;
    const branches: IfBranch[] = [];
    let otherwise: Script | undefined;
    for (;;) {
      const condition = this.parseCompoundList(start, 'if', THEN);
      this.pos += 4;
      const body = this.parseCompoundList(start, 'if', IF_BODY_END);
      branches.push({ condition, body });
      const next = this.reservedWordHere()!;
      this.pos += next.length;
      if (next === 'elif') continue;
      if (next === 'else') {
        otherwise = this.parseCompoundList(start, 'if', FI);
        this.pos += 2;
      }
      break;
    }
    const clause: IfClause = { kind: 'if', branches, redirects: NONE, span: { start, end: this.pos } };
    if (otherwise) clause.otherwise = otherwise;
    return clause;
  }

  /** while_clause := ( 'while' | 'until' ) list 'do' list 'done' */
  private parseWhile(keyword: 'while' | 'until'): WhileClause {
    const start = this.pos;
    this.pos += keyword.length;
    const condition = this.parseCompoundList(start, keyword, DO);
    this.pos += 2;
    const body = this.parseCompoundList(start, keyword, DONE);
    this.pos += 4;
    return { kind: 'while', until: keyword === 'until', condition, body, redirects: NONE, span: { start, end: this.pos } };
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
    const clause: ForClause = { kind: 'for', variable, body: { kind: 'script', lists: [], span: { start, end: start } }, redirects: NONE, span: { start, end: start } };
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
    clause.body = this.parseCompoundList(start, 'for', DONE);
    this.pos += 4;
    clause.span.end = this.pos;
    return clause;
  }

  /** The words after `for NAME in`, up to `;` or a newline. */
  private parseForWords(start: number): Word[] {
    const base = this.collected.top;
    for (;;) {
      this.skipBlanks();
      const word = this.readWord('');
      if (!word) break;
      this.collected.push(word);
    }
    const words = this.take<Word>(base);
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
    const base = this.collected.top;
    let lines = 0;
    for (;;) {
      this.skipNewlines();
      if (this.atEnd) this.fail(`parse/unclosed-${opener === '{' ? 'brace' : opener}`, `unclosed '${opener}': expected ${expectedWords(ends)}`, { start: open, end: open + opener.length }, true);
      const keyword = this.closingWordHere();
      if (keyword !== undefined && ends.includes(keyword)) {
        if (lines === 0) this.fail('parse/expected', `expected a command before '${keyword}'`, { start: this.pos, end: this.pos + keyword.length });
        break;
      }
      if (!this.parseListItems()) this.expectedHere(lines === 0 ? 'a command' : expectedWords(ends));
      lines++;
      this.skipBlanks();
      if (!this.atEnd && this.peek() !== '\n' && this.closingWordHere() === undefined) this.expectedHere(expectedWords(ends));
    }
    this.leaveNesting();
    // Newlines separate commands here as `;` does: one list, so the printer's `;` reads back the same.
    const list = this.listOf(this.take<ListItem>(base));
    return { kind: 'script', lists: [list], span: list.span };
  }

  /** assignment* — `NAME=value` words at the start of a command. */
  private parseAssignments(): Assignment[] {
    const base = this.collected.top;
    for (;;) {
      ASSIGNMENT_START.lastIndex = this.pos;
      const match = ASSIGNMENT_START.exec(this.source);
      if (!match) return this.take<Assignment>(base);
      const start = this.pos;
      this.pos += match[0].length;
      const value = this.readWord('') ?? { kind: 'word', parts: [{ kind: 'text', value: '', span: { start: this.pos, end: this.pos } }], span: { start: this.pos, end: this.pos } };
      const assignment: Assignment = { kind: 'assignment', name: match[0].slice(0, -1), value, span: { start, end: this.pos } };
      this.collected.push(assignment);
      this.skipBlanks();
    }
  }

  /** assignments := assignment+ redirect* — no command: shell variables are set. */
  private assignmentStage(assignments: Assignment[]): Stage {
    const start = assignments[0]!.span.start;
    const end = assignments[assignments.length - 1]!.span.end;
    const stage: Stage = { kind: 'assignments', assignments, redirects: NONE, span: { start, end } };
    this.parseElements(stage, '', false);
    return stage;
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
    const group: Group = { kind: 'group', pipeline, redirects: NONE, span: { start: open, end: this.pos } };
    if (allowRedirects) this.parseElements(group, '', false);
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
    const isCommand = name.span.end - name.span.start === 7 && this.source.startsWith('command', name.span.start);
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
    const command: Command = { kind: 'command', name, args: NONE, redirects: NONE, span: { start, end: this.pos } };
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
    return { kind: 'route', capability, args: NONE, redirects: NONE, span: { start: at, end } };
  }

  /** fanout := target ( ',' target )+ arg* here? */
  private parseFanout(first: Command | Route): Fanout {
    const base = this.collected.top;
    this.collected.push(first);
    while (this.peek() === ',') {
      const comma = this.pos;
      this.pos++;
      this.skipBlanks();
      if (!this.atWordStart(',')) this.expectedAfter("a specialist or @capability after ','", comma, 1, false);
      this.collected.push(this.parseTarget(',', false));
    }
    const fanout: Fanout = { kind: 'fanout', braced: false, branches: this.take<Branch>(base), args: NONE, redirects: NONE, span: { start: first.span.start, end: this.pos } };
    this.parseElements(fanout, '', true);
    return fanout;
  }

  /** fanout := '{' branch ( ( ',' | '|' ) branch )* '}' arg* here? */
  private parseBracedFanout(): Fanout {
    const open = this.pos;
    this.enterNesting(open);
    this.pos++;
    const base = this.collected.top;
    for (;;) {
      this.skipNewlines();
      if (this.atEnd) this.fail('parse/unclosed-brace', "unclosed '{'", open, true);
      this.collected.push(this.parseBranch(this.collected.top === base ? "'{'" : 'a separator'));
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
    const fanout: Fanout = { kind: 'fanout', braced: true, branches: this.take<Branch>(base), args: NONE, redirects: NONE, span: { start: open, end: this.pos } };
    this.parseElements(fanout, '', true);
    return fanout;
  }

  /** branch := target arg* | '(' pipeline ')' */
  private parseBranch(after: string): Branch {
    if (this.peek() === '(') return this.parseGroup(false);
    if (!this.atWordStart(',}')) {
      if (this.peek() === '}' && after === "'{'") this.expectedHere("a specialist inside '{ }'");
      this.expectedHere(`a specialist, @capability or ( pipeline ) after ${after}`);
    }
    const target = this.parseTarget(',}', true);
    this.parseElements(target, ',}', true, false);
    return target;
  }

  /**
   * arg* redirect* (in any order, as sh allows), ending at an operator: sets the
   * stage's arguments (when it takes them) and redirects, and moves its span's end.
   */
  private parseElements(stage: WithElements, stops: string, allowArgs: boolean, allowRedirects = true): void {
    const args = this.collected;
    const redirects = this.redirectStack;
    const argBase = args.top;
    const redirectBase = redirects.top;
    let end = stage.span.end;
    for (;;) {
      this.skipBlanks();
      if (this.atRedirect()) {
        if (!allowRedirects) break;
        const redirect = this.parseRedirect(stops);
        redirects.push(redirect);
        end = redirect.span.end;
        continue;
      }
      if (!allowArgs) break;
      const word = this.readWord(stops);
      if (!word) break;
      args.push(word);
      end = word.span.end;
    }
    if (allowArgs) stage.args = this.take<Word>(argBase);
    stage.redirects = redirects.take(redirectBase);
    stage.span.end = end;
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
    const operator = this.fileRedirectOperator();
    if (this.peek(operator.length) === '&') this.fail('parse/bad-redirect', `'${operator}&' is not supported (use '2>&1' or '>&2')`, start);
    this.pos += operator.length;
    this.skipBlanks();
    const target = this.readWord(stops);
    if (!target) this.expectedAfter(`a file name after '${operator}'`, start, operator.length, false);
    return { kind: 'file-redirect', operator, target, span: { start, end: target.span.end } };
  }

  /** The operator of a file redirect at the parser's position, the longest that matches. */
  private fileRedirectOperator(): '2>>' | '2>' | '>>' | '>' | '<' {
    if (this.peek() === '<') return '<';
    if (this.peek() === '>') return this.peek(1) === '>' ? '>>' : '>';
    return this.peek(2) === '>' ? '2>>' : '2>';
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
    if (pending.length === 0) return;
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
    if (this.speculative) throw SPECULATION_FAILED;
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
    if (this.speculative) throw SPECULATION_FAILED;
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
    if (this.speculative) throw SPECULATION_FAILED;
    const c = this.peek();
    const token = this.describeHere();
    if (c === '|' || c === '&' || c === ';') this.fail('parse/expected', `expected a command before ${token}`, this.pos);
    if (c === ',') this.fail('parse/expected', `expected a specialist before ${token}`, this.pos);
    this.fail('parse/unexpected', `unexpected ${token}`, this.tokenSpan());
  }
}
