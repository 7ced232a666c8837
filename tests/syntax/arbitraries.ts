/**
 * fast-check arbitraries for aish syntax trees that the printer can print:
 * every tree they make must survive print → parse unchanged. They respect the
 * printer's constraints: bare fan-out branches are names without arguments or
 * redirects, or routes without arguments; a tilde starts a word and is followed
 * by nothing or by `/`; here-strings hold no tilde; here-document bodies end
 * with a newline, have no line equal to the delimiter, and with `<<-` no line
 * starting with a tab; there are no here-documents inside `$( )`.
 */
import fc from 'fast-check';
import type {
  AndOr,
  Branch,
  Command,
  Fanout,
  Group,
  HereDoc,
  List,
  Pipeline,
  Redirect,
  Route,
  Script,
  Span,
  Stage,
  Word,
  WordPart,
} from '../../src/syntax/index.js';

const NO_SPAN: Span = { start: 0, end: 0 };

const word = (parts: WordPart[]): Word => ({ kind: 'word', parts, span: NO_SPAN });
const text = (value: string): WordPart => ({ kind: 'text', value, span: NO_SPAN });

/** Merges adjacent text and drops empty text unless it is all there is, as the parser does. */
function normalize(parts: WordPart[]): WordPart[] {
  const out: WordPart[] = [];
  for (const part of parts) {
    const last = out[out.length - 1];
    if (part.kind === 'text' && last?.kind === 'text') out[out.length - 1] = text(last.value + part.value);
    else out.push(part);
  }
  const kept = out.filter((part) => part.kind !== 'text' || part.value !== '');
  return kept.length > 0 ? kept : out.slice(0, 1);
}

/**
 * Text of words: quotes, operators, blanks and non-ASCII included. It has no
 * `D`, `F`, `N` or `T`, so no line of it can equal a here-document delimiter.
 */
const TEXT_CHARS = [...`abzA09 -_./,{}()|&;<>#~!@*$\\"'\n\t`, 'é', '🎉'];
const textValue = fc.string({ unit: fc.constantFrom(...TEXT_CHARS), maxLength: 8 });
const variableName = fc.oneof(
  fc.tuple(fc.constantFrom(...'aZ_x'), fc.string({ unit: fc.constantFrom(...'a1_Z'), maxLength: 4 })).map(([a, b]) => a + b),
  fc.constantFrom('0', '1', '9', '10', '?', '#', '@', '*', '$', '!'),
);
const variable: fc.Arbitrary<WordPart> = variableName.map((name) => ({ kind: 'variable', name, span: NO_SPAN }));
const capability = fc.string({ unit: fc.constantFrom(...'abc09-_.:'), minLength: 1, maxLength: 8 });
const DELIMITERS = ['EOF', 'END', 'DATA', 'TEXT_1'];

export interface Options {
  /** How many `$( )` may still nest. */
  depth: number;
  /** False inside `$( )`: no here-documents there. */
  hereDocs: boolean;
  /** The most lists, list items, pipelines, stages and words a tree has at each place. */
  width: number;
}

export class Trees {
  /** Arbitraries are built once per kind and size: building them is recursive. */
  private readonly cache = new Map<string, fc.Arbitrary<unknown>>();
  private innerTrees: Trees | undefined;

  constructor(private readonly options: Options) {}

  private memo<T>(key: string, build: () => fc.Arbitrary<T>): fc.Arbitrary<T> {
    let arbitrary = this.cache.get(key) as fc.Arbitrary<T> | undefined;
    if (!arbitrary) {
      arbitrary = build();
      this.cache.set(key, arbitrary);
    }
    return arbitrary;
  }

  /** The trees inside `$( )`: one level less deep, and no here-documents. */
  private get inner(): Trees {
    this.innerTrees ??= new Trees({ depth: this.options.depth - 1, hereDocs: false, width: 1 });
    return this.innerTrees;
  }

  substitution(): fc.Arbitrary<WordPart> {
    return this.memo('substitution', () =>
      this.inner.script().map((script): WordPart => ({ kind: 'substitution', script, span: NO_SPAN })),
    );
  }

  /** A word part that is not a tilde. */
  part(): fc.Arbitrary<WordPart> {
    return this.memo('part', () => {
      const parts: fc.WeightedArbitrary<WordPart>[] = [
        { weight: 6, arbitrary: textValue.map(text) },
        { weight: 2, arbitrary: variable },
      ];
      if (this.options.depth > 0) parts.push({ weight: 1, arbitrary: this.substitution() });
      return fc.oneof(...parts);
    });
  }

  /** Any word; `tilde` allows `~` and `~/…` words. */
  word(tilde = true): fc.Arbitrary<Word> {
    return this.memo(`word ${tilde}`, () => this.buildWord(tilde));
  }

  private buildWord(tilde: boolean): fc.Arbitrary<Word> {
    const plain = fc.array(this.part(), { minLength: 1, maxLength: 3 }).map((parts) => word(normalize(parts)));
    if (!tilde) return plain;
    const home = fc
      .tuple(fc.option(fc.tuple(textValue, fc.array(this.part(), { maxLength: 2 }))))
      .map(([rest]) => {
        const parts: WordPart[] = [{ kind: 'tilde', span: NO_SPAN }];
        if (rest) parts.push(text('/' + rest[0]), ...rest[1]);
        return word(normalize(parts));
      });
    return fc.oneof({ weight: 5, arbitrary: plain }, { weight: 1, arbitrary: home });
  }

  words(max: number): fc.Arbitrary<Word[]> {
    return fc.array(this.word(), { maxLength: Math.min(max, this.options.width + 1) });
  }

  /** A part of an expanding here-document body. */
  private bodyPart(): fc.Arbitrary<WordPart> {
    const parts: fc.WeightedArbitrary<WordPart>[] = [
      { weight: 3, arbitrary: textValue.map(text) },
      { weight: 1, arbitrary: variable },
    ];
    if (this.options.depth > 0) parts.push({ weight: 1, arbitrary: this.substitution() });
    return fc.oneof(...parts);
  }

  hereDoc(): fc.Arbitrary<HereDoc> {
    return fc
      .record({
        delimiter: fc.constantFrom(...DELIMITERS),
        stripTabs: fc.boolean(),
        expand: fc.boolean(),
        parts: fc.array(this.bodyPart(), { maxLength: 4 }),
        last: textValue,
      })
      .map(({ delimiter, stripTabs, expand, parts, last }) => {
        const all = expand ? [...parts, text(last + '\n')] : [text(parts.map((p) => (p.kind === 'text' ? p.value : '')).join('') + last + '\n')];
        const body = word(normalize(all));
        return { kind: 'here-doc', delimiter, stripTabs, expand, body, span: NO_SPAN, bodySpan: NO_SPAN } satisfies HereDoc;
      })
      .filter((hereDoc) => {
        // With `<<-` no body line may start with a tab (it would be stripped).
        if (!hereDoc.stripTabs) return true;
        return hereDoc.body.parts.every((part, index) => part.kind !== 'text' || !(part.value.includes('\n\t') || (index === 0 && part.value.startsWith('\t'))));
      });
  }

  redirect(): fc.Arbitrary<Redirect> {
    return this.memo('redirect', () => this.buildRedirect());
  }

  private buildRedirect(): fc.Arbitrary<Redirect> {
    const kinds: fc.Arbitrary<Redirect>[] = [
      fc.record({ operator: fc.constantFrom('>', '>>', '<', '2>', '2>>' as const), target: this.word() }).map(
        ({ operator, target }): Redirect => ({ kind: 'file-redirect', operator, target, span: NO_SPAN }),
      ),
      fc.constantFrom('2>&1', '>&2' as const).map((operator): Redirect => ({ kind: 'dup-redirect', operator, span: NO_SPAN })),
      this.word(false).map((w): Redirect => ({ kind: 'here-string', word: w, span: NO_SPAN })),
    ];
    if (this.options.hereDocs) kinds.push(this.hereDoc());
    return fc.oneof(...kinds);
  }

  redirects(): fc.Arbitrary<Redirect[]> {
    return fc.array(this.redirect(), { maxLength: this.options.width });
  }

  command(withRedirects: boolean): fc.Arbitrary<Command> {
    return fc
      .record({
        name: this.word(),
        args: this.words(3),
        forced: fc.constantFrom(undefined, undefined, 'command' as const, 'bang' as const),
        redirects: withRedirects ? this.redirects() : fc.constant<Redirect[]>([]),
      })
      .map(({ name, args, forced, redirects }) => {
        const command: Command = { kind: 'command', name, args, redirects, span: NO_SPAN };
        if (forced) command.forced = forced;
        return command;
      });
  }

  route(withArgs: boolean, withRedirects: boolean): fc.Arbitrary<Route> {
    return fc
      .record({
        capability,
        args: withArgs ? this.words(2) : fc.constant<Word[]>([]),
        redirects: withRedirects ? this.redirects() : fc.constant<Redirect[]>([]),
      })
      .map(({ capability, args, redirects }): Route => ({ kind: 'route', capability, args, redirects, span: NO_SPAN }));
  }

  group(size: number, withRedirects: boolean): fc.Arbitrary<Group> {
    return fc
      .record({ pipeline: this.pipeline(size - 1), redirects: withRedirects ? this.redirects() : fc.constant<Redirect[]>([]) })
      .map(({ pipeline, redirects }): Group => ({ kind: 'group', pipeline, redirects, span: NO_SPAN }));
  }

  /** `a,b,@c`: plain names without arguments or redirects, or routes without arguments. */
  bareFanout(): fc.Arbitrary<Fanout> {
    const branch: fc.Arbitrary<Branch> = fc.oneof(
      this.word().map((name): Branch => ({ kind: 'command', name, args: [], redirects: [], span: NO_SPAN })),
      this.route(false, false),
    );
    return fc
      .record({ branches: fc.array(branch, { minLength: 2, maxLength: 3 }), args: this.words(2), redirects: this.redirects() })
      .map(({ branches, args, redirects }): Fanout => ({ kind: 'fanout', braced: false, branches, args, redirects, span: NO_SPAN }));
  }

  /** `{a x, @b y, (c | d)}`: branches take arguments but no redirects. */
  bracedFanout(size: number): fc.Arbitrary<Fanout> {
    const kinds: fc.Arbitrary<Branch>[] = [this.command(false), this.route(true, false)];
    if (size > 1) kinds.push(this.group(size, false));
    return fc
      .record({ branches: fc.array(fc.oneof(...kinds), { minLength: 1, maxLength: 3 }), args: this.words(2), redirects: this.redirects() })
      .map(({ branches, args, redirects }): Fanout => ({ kind: 'fanout', braced: true, branches, args, redirects, span: NO_SPAN }));
  }

  stage(size: number): fc.Arbitrary<Stage> {
    return this.memo(`stage ${size}`, () => this.buildStage(size));
  }

  private buildStage(size: number): fc.Arbitrary<Stage> {
    const kinds: fc.WeightedArbitrary<Stage>[] = [
      { weight: 4, arbitrary: this.command(true) },
      { weight: 1, arbitrary: this.route(true, true) },
      { weight: 1, arbitrary: this.bareFanout() },
      { weight: 1, arbitrary: this.bracedFanout(size) },
    ];
    if (size > 1) kinds.push({ weight: 1, arbitrary: this.group(size, true) });
    return fc.oneof(...kinds);
  }

  pipeline(size: number): fc.Arbitrary<Pipeline> {
    return this.memo(`pipeline ${size}`, () =>
      fc.array(this.stage(size), { minLength: 1, maxLength: this.options.width + 1 }).map((stages): Pipeline => ({ kind: 'pipeline', stages, span: NO_SPAN })),
    );
  }

  andOr(size: number): fc.Arbitrary<AndOr> {
    const link = fc.record({ operator: fc.constantFrom('&&', '||' as const), pipeline: this.pipeline(size) });
    return fc
      .record({ first: this.pipeline(size), rest: fc.array(link, { maxLength: this.options.width }) })
      .map(({ first, rest }): AndOr => ({ kind: 'and-or', first, rest, span: NO_SPAN }));
  }

  list(size: number): fc.Arbitrary<List> {
    const item = fc
      .record({ body: this.andOr(size), background: fc.boolean() })
      .map(({ body, background }) => ({ kind: 'list-item' as const, body, background, span: NO_SPAN }));
    return fc.array(item, { minLength: 1, maxLength: this.options.width }).map((items): List => ({ kind: 'list', items, span: NO_SPAN }));
  }

  script(maxLists = 3, size = 2): fc.Arbitrary<Script> {
    return fc
      .array(this.list(size), { maxLength: Math.min(maxLists, this.options.width + 1) })
      .map((lists): Script => ({ kind: 'script', lists, span: NO_SPAN }));
  }
}

/** Scripts of up to three lines, with `$( )` nested up to two deep. */
export const scripts = new Trees({ depth: 2, hereDocs: true, width: 2 }).script();
