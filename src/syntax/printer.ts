/**
 * The canonical printer: AST → source text that parses back to the same
 * tree. Quoting is chosen by the printer, not kept from the input, so
 * `"a"'b'` prints as `ab`.
 */
import type { AndOr, Assignment, Branch, Compound, HereDoc, List, Pipeline, Redirect, Script, Stage, Word, WordPart } from './ast.js';
import { assertNever, literalText, RESERVED_WORDS } from './ast.js';

/** Text that needs no quotes in any position of a line. */
const SAFE_BARE = /^[A-Za-z0-9_./:=+%^-]+$/;
/** A command name printed like this would read back as an assignment. */
const ASSIGNMENT_LIKE = /^[A-Za-z_][A-Za-z0-9_]*=/;

export function printScript(script: Script): string {
  return new Printer().script(script);
}

export function printPipeline(pipeline: Pipeline): string {
  return new Printer().pipeline(pipeline);
}

export function printWord(word: Word): string {
  return new Printer().word(word);
}

class Printer {
  /** Here-documents whose bodies go after the end of the current line. */
  private pending: HereDoc[] = [];

  script(script: Script): string {
    return script.lists.map((list) => this.list(list) + this.flushHereDocs()).join('\n');
  }

  /** Inside `$( … )` a closing here-document delimiter needs its own line before `)`. */
  private nestedScript(script: Script): string {
    const text = new Printer().script(script);
    const last = script.lists[script.lists.length - 1];
    return last && endsWithHereDoc(last) ? text + '\n' : text;
  }

  private flushHereDocs(): string {
    if (this.pending.length === 0) return '';
    const bodies = this.pending.map((hereDoc) => this.hereBody(hereDoc) + hereDoc.delimiter);
    this.pending = [];
    return '\n' + bodies.join('\n');
  }

  private list(list: List): string {
    let out = '';
    list.items.forEach((item, index) => {
      if (index > 0) out += list.items[index - 1]!.background ? ' ' : '; ';
      out += this.andOr(item.body);
      if (item.background) out += ' &';
    });
    return out;
  }

  private andOr(andOr: AndOr): string {
    let out = this.pipeline(andOr.first);
    for (const link of andOr.rest) out += ` ${link.operator} ${this.pipeline(link.pipeline)}`;
    return out;
  }

  pipeline(pipeline: Pipeline): string {
    return (pipeline.negated ? '! ' : '') + pipeline.stages.map((stage) => this.stage(stage)).join(' | ');
  }

  private stage(stage: Stage): string {
    return this.branch(stage) + stage.redirects.map((redirect) => ' ' + this.redirect(redirect)).join('');
  }

  private branch(branch: Stage | Branch): string {
    switch (branch.kind) {
      case 'command': {
        const prefix = branch.forced === 'command' ? 'command ' : branch.forced === 'bang' ? '!' : '';
        const assignments = (branch.assignments ?? []).map((assignment) => this.assignment(assignment) + ' ').join('');
        return [assignments + prefix + this.commandName(branch.name, branch.forced !== undefined), ...branch.args.map((arg) => this.word(arg))].join(' ');
      }
      case 'assignments':
        return branch.assignments.map((assignment) => this.assignment(assignment)).join(' ');
      case 'if':
      case 'while':
      case 'for':
      case 'brace':
        return this.compound(branch);
      case 'route':
        return this.words([], '@' + branch.capability, branch.args);
      case 'group':
        return `(${this.pipeline(branch.pipeline)})`;
      case 'fanout': {
        const inner = branch.braced
          ? `{${branch.branches.map((b) => this.branch(b)).join(', ')}}`
          : branch.branches.map((b) => this.branch(b)).join(',');
        return this.words([], inner, branch.args);
      }
      default:
        return assertNever(branch);
    }
  }

  /**
   * An unforced command named `command`, a reserved word or a text that reads
   * as `NAME=value` starts with an empty quote, so it stays a plain name.
   */
  private commandName(name: Word, forced: boolean): string {
    const printed = this.word(name);
    if (forced) return printed;
    if (printed === 'command') return "'command'";
    if (RESERVED_WORDS.has(printed) || ASSIGNMENT_LIKE.test(printed)) return "''" + printed;
    return printed;
  }

  private assignment(assignment: Assignment): string {
    const value = literalText(assignment.value) === '' ? '' : this.word(assignment.value);
    return `${assignment.name}=${value}`;
  }

  private compound(compound: Compound): string {
    switch (compound.kind) {
      case 'if': {
        let out = '';
        compound.branches.forEach((branch, index) => {
          out += `${index === 0 ? 'if' : 'elif'} ${this.compoundList(branch.condition)}then ${this.compoundList(branch.body)}`;
        });
        if (compound.otherwise) out += `else ${this.compoundList(compound.otherwise)}`;
        return out + 'fi';
      }
      case 'while':
        return `${compound.until ? 'until' : 'while'} ${this.compoundList(compound.condition)}do ${this.compoundList(compound.body)}done`;
      case 'for': {
        const words = compound.words === undefined ? '' : [' in', ...compound.words.map((word) => this.word(word))].join(' ');
        return `for ${compound.variable}${words}; do ${this.compoundList(compound.body)}done`;
      }
      case 'brace':
        return `{ ${this.compoundList(compound.body)}}`;
      default:
        return assertNever(compound);
    }
  }

  /** The lists of a compound command, each ended as sh needs before the next word: `; `, ` ` after `&`, or a newline and here-document bodies. */
  private compoundList(script: Script): string {
    let out = '';
    for (const list of script.lists) {
      out += this.list(list);
      if (this.pending.length > 0) out += this.flushHereDocs() + '\n';
      else out += list.items[list.items.length - 1]!.background ? ' ' : '; ';
    }
    return out;
  }

  private words(words: Word[], head?: string, tail: Word[] = []): string {
    const all = words.map((word) => this.word(word));
    if (head !== undefined) all.push(head);
    for (const word of tail) all.push(this.word(word));
    return all.join(' ');
  }

  private redirect(redirect: Redirect): string {
    switch (redirect.kind) {
      case 'file-redirect':
        return `${redirect.operator} ${this.word(redirect.target)}`;
      case 'dup-redirect':
        return redirect.operator;
      case 'here-string':
        return `<< ${this.quotedWord(redirect.word)}`;
      case 'here-doc':
        this.pending.push(redirect);
        return (redirect.stripTabs ? '<<-' : '<<') + this.delimiter(redirect);
      default:
        return assertNever(redirect);
    }
  }

  /**
   * A quoted delimiter keeps the body literal, but after `<<` a word that starts
   * with a quote is a here-string, so there the first character is escaped instead.
   */
  private delimiter(hereDoc: HereDoc): string {
    const delimiter = hereDoc.delimiter;
    if (hereDoc.expand) return delimiter;
    if (hereDoc.stripTabs) return singleQuote(delimiter);
    const first = String.fromCodePoint(delimiter.codePointAt(0)!);
    const rest = delimiter.slice(first.length);
    return '\\' + first + (rest === '' || SAFE_BARE.test(rest) ? rest : singleQuote(rest));
  }

  word(word: Word): string {
    if (word.parts.length === 0) return "''";
    if (isDoubleQuoted(word)) return this.doubleQuoted(word.parts);
    return word.parts
      .map((part, index) => {
        // `~/'a b'`: the `/` after a tilde stays bare, or the tilde would be quoted text.
        const afterTilde = index > 0 && word.parts[index - 1]!.kind === 'tilde';
        if (afterTilde && part.kind === 'text' && part.value.startsWith('/') && !SAFE_BARE.test(part.value)) {
          return '/' + this.part({ ...part, value: part.value.slice(1) });
        }
        return this.part(part);
      })
      .join('');
  }

  private part(part: WordPart): string {
    switch (part.kind) {
      case 'text':
        return SAFE_BARE.test(part.value) ? part.value : singleQuote(part.value);
      case 'glob':
        return part.value;
      case 'tilde':
        return '~';
      case 'variable':
      case 'substitution':
        return part.quoted ? `"${this.expansion(part)}"` : this.expansion(part);
      case 'arithmetic':
        return this.expansion(part);
      default:
        return assertNever(part);
    }
  }

  /** `${NAME}`, `$( … )` or `$(( … ))` as written inside or outside double quotes. */
  private expansion(part: Extract<WordPart, { kind: 'variable' | 'substitution' | 'arithmetic' }>): string {
    switch (part.kind) {
      case 'variable':
        return `\${${part.name}}`;
      case 'substitution': {
        // `$((` would start arithmetic: a script that starts with a group gets a blank first.
        const inner = this.nestedScript(part.script);
        return `$(${inner.startsWith('(') ? ' ' : ''}${inner})`;
      }
      case 'arithmetic':
        return `$((${part.parts.map((inner) => (inner.kind === 'text' ? inner.value : inner.kind === 'variable' || inner.kind === 'substitution' || inner.kind === 'arithmetic' ? this.expansion(inner) : '')).join('')}))`;
    }
  }

  /** A word of text and quoted expansions, as one double-quoted string. */
  private doubleQuoted(parts: WordPart[]): string {
    let out = '"';
    for (const part of parts) {
      if (part.kind === 'text') out += escapeDoubleQuoted(part.value);
      else if (part.kind === 'variable' || part.kind === 'substitution' || part.kind === 'arithmetic') out += this.expansion(part);
    }
    return out + '"';
  }

  /** A word that must start with a quote (a here-string's message); unquoted parts step out of the quotes. */
  private quotedWord(word: Word): string {
    if (word.parts.every((part) => part.kind === 'text')) {
      return singleQuote(word.parts.map((part) => (part.kind === 'text' ? part.value : '')).join(''));
    }
    let out = '"';
    let inQuotes = true;
    for (const part of word.parts) {
      const quotable = part.kind === 'text' || part.kind === 'arithmetic' || ((part.kind === 'variable' || part.kind === 'substitution') && part.quoted === true);
      if (quotable !== inQuotes) out += '"';
      inQuotes = quotable;
      if (part.kind === 'text') out += escapeDoubleQuoted(part.value);
      else if (quotable && (part.kind === 'variable' || part.kind === 'substitution' || part.kind === 'arithmetic')) out += this.expansion(part);
      else out += this.part(part);
    }
    return inQuotes ? out + '"' : out;
  }

  private hereBody(hereDoc: HereDoc): string {
    if (!hereDoc.expand) return hereDoc.body.parts.map((part) => (part.kind === 'text' ? part.value : '')).join('');
    return hereDoc.body.parts
      .map((part) => {
        if (part.kind === 'text') return part.value.replace(/[\\$`]/g, (c) => '\\' + c);
        if (part.kind === 'variable' || part.kind === 'substitution' || part.kind === 'arithmetic') return this.expansion(part);
        return this.part(part);
      })
      .join('');
  }
}

/** True when a word is best printed in double quotes: it has a quoted expansion and nothing that must stay unquoted. */
function isDoubleQuoted(word: Word): boolean {
  let quotedExpansion = false;
  for (const part of word.parts) {
    if (part.kind === 'glob' || part.kind === 'tilde') return false;
    if (part.kind === 'variable' || part.kind === 'substitution') {
      if (!part.quoted) return false;
      quotedExpansion = true;
    }
  }
  return quotedExpansion;
}

function escapeDoubleQuoted(text: string): string {
  return text.replace(/[\\"$`]/g, (c) => '\\' + c);
}

function singleQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function endsWithHereDoc(list: List): boolean {
  let found = false;
  const visit = (stage: Stage | Branch): void => {
    if (stage.kind === 'group') stage.pipeline.stages.forEach(visit);
    if (stage.kind === 'fanout') stage.branches.forEach(visit);
    if (stage.redirects.some((redirect) => redirect.kind === 'here-doc')) found = true;
  };
  // A compound command flushes the bodies of here-documents inside it before its closing word.
  for (const item of list.items) {
    for (const pipeline of [item.body.first, ...item.body.rest.map((link) => link.pipeline)]) pipeline.stages.forEach(visit);
  }
  return found;
}
