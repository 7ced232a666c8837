/**
 * What the code highlighter knows of each language: keywords, literals,
 * comment and string delimiters. Enough for colour, not a parser.
 */

export interface Language {
  keywords: ReadonlySet<string>;
  /** `true`, `null`, `None` … */
  literals: ReadonlySet<string>;
  lineComments: readonly string[];
  blockComment?: readonly [open: string, close: string];
  /** Quote characters that start a string. */
  quotes: readonly string[];
  /** Quotes whose strings may continue over lines (template literals, Go raw strings). */
  multilineQuotes?: readonly string[];
  /** Python's `"""` and `'''`. */
  tripleQuotes?: boolean;
  /** `#` starts a comment only at the start of a word (shell, YAML). */
  commentNeedsBlank?: boolean;
  /** `$name` and `${name}` are variables (shell). */
  variables?: boolean;
}

const words = (text: string): ReadonlySet<string> => new Set(text.split(/\s+/).filter(Boolean));

const C_LITERALS = words('true false NULL nullptr');

const javascript: Language = {
  keywords: words(
    'async await break case catch class const continue debugger default delete do else enum export extends finally for from function get if implements import in instanceof interface let new of package private protected public readonly return set static super switch this throw try type typeof var void while with yield as declare namespace abstract satisfies keyof',
  ),
  literals: words('true false null undefined NaN Infinity'),
  lineComments: ['//'],
  blockComment: ['/*', '*/'],
  quotes: ['"', "'", '`'],
  multilineQuotes: ['`'],
};

const python: Language = {
  keywords: words('and as assert async await break class continue def del elif else except finally for from global if import in is lambda match case nonlocal not or pass raise return try while with yield self'),
  literals: words('True False None'),
  lineComments: ['#'],
  quotes: ['"', "'"],
  tripleQuotes: true,
};

const shell: Language = {
  keywords: words('if then else elif fi for while until do done case esac in function return local export readonly declare set unset shift exit break continue source alias echo cd'),
  literals: words('true false'),
  lineComments: ['#'],
  quotes: ['"', "'"],
  commentNeedsBlank: true,
  variables: true,
};

const go: Language = {
  keywords: words('break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var'),
  literals: words('true false nil iota'),
  lineComments: ['//'],
  blockComment: ['/*', '*/'],
  quotes: ['"', "'", '`'],
  multilineQuotes: ['`'],
};

const rust: Language = {
  keywords: words('as async await break const continue crate dyn else enum extern fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait type unsafe use where while'),
  literals: words('true false None Some Ok Err'),
  lineComments: ['//'],
  blockComment: ['/*', '*/'],
  quotes: ['"'],
};

const c: Language = {
  keywords: words(
    'auto break case char const continue default do double else enum extern float for goto if inline int long register return short signed sizeof static struct switch typedef union unsigned void volatile while bool class namespace template typename public private protected virtual override new delete this throw try catch using include define ifdef ifndef endif',
  ),
  literals: C_LITERALS,
  lineComments: ['//'],
  blockComment: ['/*', '*/'],
  quotes: ['"', "'"],
};

const java: Language = {
  keywords: words(
    'abstract assert boolean break byte case catch char class const continue default do double else enum extends final finally float for if implements import instanceof int interface long native new package private protected public return short static super switch synchronized this throw throws try void volatile while var record fun val when object',
  ),
  literals: words('true false null'),
  lineComments: ['//'],
  blockComment: ['/*', '*/'],
  quotes: ['"', "'"],
};

const ruby: Language = {
  keywords: words('alias and begin break case class def defined do else elsif end ensure for if in module next not or redo rescue retry return self super then undef unless until when while yield require attr_accessor'),
  literals: words('true false nil'),
  lineComments: ['#'],
  quotes: ['"', "'"],
};

const sql: Language = {
  keywords: words(
    'select from where and or not insert into values update set delete create table drop alter index on join left right inner outer group by order having limit offset as distinct union all primary key foreign references null is in like between case when then else end begin commit rollback with SELECT FROM WHERE AND OR NOT INSERT INTO VALUES UPDATE SET DELETE CREATE TABLE DROP ALTER INDEX ON JOIN LEFT RIGHT INNER OUTER GROUP BY ORDER HAVING LIMIT OFFSET AS DISTINCT UNION ALL PRIMARY KEY FOREIGN REFERENCES IS IN LIKE BETWEEN CASE WHEN THEN ELSE END BEGIN COMMIT ROLLBACK WITH',
  ),
  literals: words('NULL null TRUE FALSE true false'),
  lineComments: ['--'],
  blockComment: ['/*', '*/'],
  quotes: ["'", '"'],
};

const json: Language = { keywords: words(''), literals: words('true false null'), lineComments: [], quotes: ['"'] };

const yaml: Language = { keywords: words(''), literals: words('true false null yes no on off ~'), lineComments: ['#'], quotes: ['"', "'"], commentNeedsBlank: true };

/** Unknown or unnamed languages: strings and numbers only, nothing guessed. */
export const GENERIC: Language = { keywords: words(''), literals: words(''), lineComments: [], quotes: ['"', "'"] };

const BY_NAME: Record<string, Language> = {
  javascript,
  js: javascript,
  jsx: javascript,
  mjs: javascript,
  cjs: javascript,
  typescript: javascript,
  ts: javascript,
  tsx: javascript,
  python,
  py: python,
  python3: python,
  sh: shell,
  bash: shell,
  zsh: shell,
  shell,
  console: shell,
  aish: shell,
  fish: shell,
  go,
  golang: go,
  rust,
  rs: rust,
  c,
  h: c,
  cpp: c,
  'c++': c,
  cc: c,
  cxx: c,
  hpp: c,
  java,
  kotlin: java,
  kt: java,
  ruby,
  rb: ruby,
  sql,
  json,
  jsonc: { ...json, lineComments: ['//'], blockComment: ['/*', '*/'] },
  yaml,
  yml: yaml,
};

/** The language named after a fence (` ```ts `), or the generic one. */
export function languageNamed(name: string): Language {
  return BY_NAME[name.toLowerCase()] ?? GENERIC;
}
