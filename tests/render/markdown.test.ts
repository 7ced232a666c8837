/** The terminal Markdown renderer: block and inline styles, code highlighting, streaming. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarkdownStream, renderMarkdown, stripAnsi } from '../../src/render/index.js';

const BOLD = '\x1b[1m';
const UNDERLINE = '\x1b[4m';
const ITALIC = '\x1b[3m';
const CYAN = '\x1b[36m';
const KEYWORD = '\x1b[35m';
const STRING = '\x1b[32m';
const COMMENT = '\x1b[90m';
const NUMBER = '\x1b[33m';

const color = (text: string): string => renderMarkdown(text, { color: true });
const plain = (text: string): string => renderMarkdown(text, { color: false });

describe('headings', () => {
  it('a level-1 heading is bold and underlined, without its #', () => {
    const out = color('# Getting started\n');
    expect(out).toContain(BOLD);
    expect(out).toContain(UNDERLINE);
    expect(stripAnsi(out)).toBe('Getting started\n');
  });

  it('a level-2 heading is bold, not underlined; closing #s go too', () => {
    const out = color('## Usage ##\n');
    expect(out).toBe(`${BOLD}Usage\x1b[22m\n`);
  });

  it('inline bold inside a heading leaves the rest of the heading bold', () => {
    const out = color('## a **b** c\n');
    expect(stripAnsi(out)).toBe('a b c\n');
    // After the inner bold closes, bold is turned on again for " c".
    expect(out).toMatch(/b\x1b\[22m\x1b\[1m c/);
  });

  it('#hashtag and text after # without a space are not headings', () => {
    expect(stripAnsi(color('#hashtag\n'))).toBe('#hashtag\n');
  });
});

describe('lists, quotes and rules', () => {
  it('bullets become •, nested ones ◦, and numbers stay', () => {
    const out = stripAnsi(color('- one\n  * two\n3. three\n'));
    expect(out).toBe('• one\n  ◦ two\n3. three\n');
  });

  it('task items show their box', () => {
    expect(stripAnsi(color('- [ ] todo\n- [x] done\n'))).toBe('☐ todo\n☑ done\n');
  });

  it('a block quote gets a bar and stays readable', () => {
    expect(stripAnsi(color('> quoted *text*\n'))).toBe('│ quoted text\n');
  });

  it('--- is a horizontal rule as wide as the terminal (at most 80)', () => {
    expect(stripAnsi(renderMarkdown('---\n', { color: true, width: 20 }))).toBe('─'.repeat(20) + '\n');
  });
});

describe('inline', () => {
  it('`code` is coloured without its backticks', () => {
    const out = color('run `npm test` now\n');
    expect(out).toContain(`${CYAN}npm test`);
    expect(stripAnsi(out)).toBe('run npm test now\n');
  });

  it('**bold**, *italic*, ~~struck~~ and [links](url)', () => {
    const out = color('**b** *i* ~~s~~ [site](https://example.com)\n');
    expect(out).toContain(`${BOLD}b`);
    expect(out).toContain(`${ITALIC}i`);
    expect(stripAnsi(out)).toBe('b i s site (https://example.com)\n');
  });

  it('text that only looks like markup stays as written', () => {
    const text = 'snake_case_name and 2 * 3 * 4 and a\\*b and `unclosed\n';
    expect(stripAnsi(color(text))).toBe('snake_case_name and 2 * 3 * 4 and a*b and `unclosed\n');
  });

  it('markers inside code are not styles', () => {
    expect(stripAnsi(color('`**not bold**`\n'))).toBe('**not bold**\n');
  });
});

describe('code blocks', () => {
  it('highlights keywords, strings, comments and numbers of a named language', () => {
    const out = color('```ts\nconst answer = "yes"; // why\nreturn 42;\n```\n');
    expect(out).toContain(`${KEYWORD}const`);
    expect(out).toContain(`${STRING}"yes"`);
    expect(out).toContain(`${COMMENT}// why`);
    expect(out).toContain(`${NUMBER}42`);
    expect(out).toContain(`${KEYWORD}return`);
    // The text itself is unchanged, fences included.
    expect(stripAnsi(out)).toBe('```ts\nconst answer = "yes"; // why\nreturn 42;\n```\n');
  });

  it('python: # comments, triple-quoted strings over lines, True', () => {
    const out = color('```python\ndef f():\n    """doc\n    more"""\n    return True  # yes\n```\n');
    expect(out).toContain(`${KEYWORD}def`);
    expect(out).toContain(`${STRING}    more"""`);
    expect(out).toContain(`${COMMENT}# yes`);
    expect(out).toContain('\x1b[34mTrue');
  });

  it('shell: $VARIABLES and # comments only at the start of a word', () => {
    const out = color('```bash\necho "$HOME" a#b # note\n```\n');
    expect(out).toContain(`${COMMENT}# note`);
    expect(out).not.toContain(`${COMMENT}#b`);
  });

  it('markup inside a code block is left alone', () => {
    const out = stripAnsi(color('```\n# not a heading\n- not a bullet\n**x**\n```\n'));
    expect(out).toBe('```\n# not a heading\n- not a bullet\n**x**\n```\n');
  });

  it('a /* block comment */ spanning lines stays a comment', () => {
    const out = color('```c\n/* one\nint two */ int x;\n```\n');
    expect(out).toContain(`${COMMENT}int two */`);
    expect(out).toContain(`${KEYWORD}int\x1b[39m x`);
  });

  it('after the closing fence, Markdown is rendered again', () => {
    expect(stripAnsi(color('```\ncode\n```\n- item\n'))).toBe('```\ncode\n```\n• item\n');
  });
});

describe('without colour (NO_COLOR)', () => {
  it('writes no escape codes but keeps the layout: bullets, rules, quote bars', () => {
    const out = plain('# Title\n- item with `code`\n---\n> q\n```js\nconst x = 1;\n```\n');
    expect(out).not.toContain('\x1b');
    expect(out).toBe(`# Title\n• item with \`code\`\n${'─'.repeat(80)}\n│ q\n\`\`\`js\nconst x = 1;\n\`\`\`\n`);
  });
});

describe('streaming', () => {
  const documents = fc.array(
    fc.constantFrom(
      '# Heading\n',
      '## Sub **bold**\n',
      '- item `code`\n',
      '  * nested\n',
      '1. first\n',
      '> quote\n',
      '---\n',
      '```ts\n',
      '```python\n',
      '```\n',
      'const x = "a"; // c\n',
      '/* open\n',
      'close */\n',
      '"""doc\n',
      'plain *text* with [a](b)\n',
      'no newline at the end',
      '\n',
      'é ünïcödé — 日本\n',
    ),
    { maxLength: 25 },
  );

  it('shows the same however the text is split into chunks', () => {
    fc.assert(
      fc.property(documents, fc.array(fc.nat(), { maxLength: 12 }), fc.boolean(), (parts, cuts, withColor) => {
        const text = parts.join('');
        const whole = renderMarkdown(text, { color: withColor });
        const positions = [...new Set(cuts.map((cut) => (text.length === 0 ? 0 : cut % text.length)))].sort((a, b) => a - b);
        const stream = new MarkdownStream({ color: withColor });
        let streamed = '';
        let from = 0;
        for (const position of [...positions, text.length]) {
          streamed += stream.push(text.slice(from, position));
          from = position;
        }
        streamed += stream.end();
        // Pieces are styled one by one (`bold(a) + bold(b)`): what the terminal shows is the same.
        expect(shown(streamed)).toEqual(shown(whole));
        if (!withColor) expect(streamed).toBe(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('never loses or adds text: without markup the output is the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', '.', ',', 'é') }), (text) => {
        expect(stripAnsi(renderMarkdown(text, { color: true }))).toBe(text);
      }),
    );
  });

  it('holds a partial line until its newline, then writes it whole', () => {
    const stream = new MarkdownStream({ color: true });
    expect(stream.push('# Tit')).toBe('');
    expect(stripAnsi(stream.push('le\nnext'))).toBe('Title\n');
    expect(stream.end()).toBe('next');
  });

  it('end() starts afresh: an open code fence does not carry into the next answer', () => {
    const stream = new MarkdownStream({ color: true });
    stream.push('```\nunclosed\n');
    stream.end();
    expect(stripAnsi(stream.push('- item\n'))).toBe('• item\n');
  });
});

/** What a terminal shows: each character with the SGR styles in force when it is written. */
function shown(text: string): string[] {
  const active = new Map<string, string>();
  const cells: string[] = [];
  const OFF: Record<string, string[]> = { '22': ['weight'], '23': ['italic'], '24': ['underline'], '29': ['strike'], '39': ['color'] };
  const ON: Record<string, string> = { '1': 'weight', '2': 'weight', '3': 'italic', '4': 'underline', '9': 'strike' };
  for (let index = 0; index < text.length; index++) {
    // eslint-disable-next-line no-control-regex
    const sgr = /^\x1b\[(\d+)m/.exec(text.slice(index));
    if (sgr) {
      const code = sgr[1]!;
      if (OFF[code]) for (const kind of OFF[code]) active.delete(kind);
      else active.set(ON[code] ?? 'color', code);
      index += sgr[0].length - 1;
      continue;
    }
    cells.push(text[index]! + [...active.values()].sort().join(','));
  }
  return cells;
}

describe('streaming a line before its newline', () => {
  it('shows the first words of a paragraph, a list item or a heading as they arrive', () => {
    const paragraph = new MarkdownStream({ color: true });
    expect(stripAnsi(paragraph.push('The first words of a long'))).toBe('The first words of a');
    const item = new MarkdownStream({ color: true });
    expect(stripAnsi(item.push('- one two thr'))).toBe('• one two');
    const heading = new MarkdownStream({ color: true });
    expect(stripAnsi(heading.push('## Getting star'))).toBe('Getting');
  });

  it('holds back a code fence line, a table row, a possible rule and open inline markup', () => {
    for (const start of ['```type', '| a | b', '- - ', 'say **bold wor']) {
      const stream = new MarkdownStream({ color: true });
      expect(stripAnsi(stream.push(start)).includes(start.slice(-3))).toBe(false);
    }
    const stream = new MarkdownStream({ color: true });
    expect(stripAnsi(stream.push('say **bold words** and more'))).toBe('say bold words and');
  });
});

describe('streaming a line that starts with [name]', () => {
  it('is not held as a link: [apollo] text shows word by word', () => {
    const stream = new MarkdownStream({ color: true });
    expect(stripAnsi(stream.push('[apollo] **Bold** start wor'))).toBe('[apollo] Bold start');
    const link = new MarkdownStream({ color: true });
    expect(stripAnsi(link.push('see [the docs](http://x y'))).toBe('see');
  });
});
