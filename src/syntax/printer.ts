/**
 * The canonical printer: AST → source text that parses back to the same
 * tree. Quoting is chosen by the printer, not kept from the input, so
 * `"a"'b'` prints as `ab`.
 */
import type { AndOr, Branch, HereDoc, List, Pipeline, Redirect, Script, Stage, Word, WordPart } from './ast.js';
import { assertNever, literalText } from './ast.js';

/** Text that needs no quotes in any position of a line. */
const SAFE_BARE = /^[A-Za-z0-9_./:=+%^-]+$/;

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
    return pipeline.stages.map((stage) => this.stage(stage)).join(' | ');
  }

  private stage(stage: Stage): string {
    return this.branch(stage) + stage.redirects.map((redirect) => ' ' + this.redirect(redirect)).join('');
  }

  private branch(branch: Stage | Branch): string {
    switch (branch.kind) {
      case 'command': {
        const prefix = branch.forced === 'command' ? 'command ' : branch.forced === 'bang' ? '!' : '';
        // An unforced command named `command` keeps quotes so it does not turn into a forced one.
        const name = !branch.forced && literalText(branch.name) === 'command' ? "'command'" : this.word(branch.name);
        return [prefix + name, ...branch.args.map((arg) => this.word(arg))].join(' ');
      }
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
      case 'variable':
        return `\${${part.name}}`;
      case 'substitution':
        return `$(${this.nestedScript(part.script)})`;
      case 'tilde':
        return '~';
      default:
        return assertNever(part);
    }
  }

  /** A word that must start with a quote (a here-string's message). */
  private quotedWord(word: Word): string {
    if (word.parts.every((part) => part.kind === 'text')) {
      return singleQuote(word.parts.map((part) => (part.kind === 'text' ? part.value : '')).join(''));
    }
    let out = '"';
    for (const part of word.parts) {
      if (part.kind === 'text') out += part.value.replace(/[\\"$`]/g, (c) => '\\' + c);
      else if (part.kind === 'tilde') out += '~';
      else out += this.part(part);
    }
    return out + '"';
  }

  private hereBody(hereDoc: HereDoc): string {
    if (!hereDoc.expand) return hereDoc.body.parts.map((part) => (part.kind === 'text' ? part.value : '')).join('');
    return hereDoc.body.parts
      .map((part) => (part.kind === 'text' ? part.value.replace(/[\\$`]/g, (c) => '\\' + c) : this.part(part)))
      .join('');
  }
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
  for (const item of list.items) {
    for (const pipeline of [item.body.first, ...item.body.rest.map((link) => link.pipeline)]) pipeline.stages.forEach(visit);
  }
  return found;
}
