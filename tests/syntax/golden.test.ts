/**
 * Golden tests for the parser. Every `tests/syntax/golden/<rule>/NNN-name.aish`
 * is parsed and compared with `NNN-name.out` beside it:
 *   - a case that parses: `dumpTree` of the script, a line `--- print`, and the
 *     printed script;
 *   - a syntax error: the rendered diagnostic and a line `incomplete: true|false`.
 * `UPDATE_GOLDEN=1` (npm run golden:update) rewrites the `.out` files instead.
 * `<rule>` is the rule of grammar/aish.ebnf that the case exercises most;
 * `errors/` holds syntax errors and `examples/` the examples of docs/language.md "Examples".
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, printScript } from '../../src/syntax/index.js';
import { GOLDEN_DIR, GRAMMAR_FILE, goldenCases, renderResult, spanProblems, stripSpans } from './support.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const cases = goldenCases();

describe('golden cases', () => {
  it.each(cases)('%s', (name) => {
    const inputPath = join(GOLDEN_DIR, name);
    const outPath = inputPath.replace(/\.aish$/, '.out');
    const source = readFileSync(inputPath, 'utf8');
    const actual = renderResult(source);
    if (UPDATE) {
      writeFileSync(outPath, actual);
    } else {
      expect(existsSync(outPath), `${outPath} is missing: run npm run golden:update`).toBe(true);
      expect(actual).toBe(readFileSync(outPath, 'utf8'));
    }

    const result = parse(source);
    // Syntax errors live in errors/, and every other case parses.
    expect(result.ok, result.ok ? 'parses, but is in errors/' : result.diagnostic.message).toBe(!name.startsWith('errors/'));
    if (!result.ok) {
      const { span, message } = result.diagnostic;
      expect(message).not.toBe('');
      expect(span.start).toBeGreaterThanOrEqual(0);
      expect(span.end).toBeLessThanOrEqual(source.length);
      expect(span.start).toBeLessThanOrEqual(span.end);
      return;
    }
    // The printer's output parses back to the same tree, and prints the same again.
    const printed = printScript(result.script);
    const reparsed = parse(printed);
    expect(reparsed.ok, `printed text does not parse: ${JSON.stringify(printed)}`).toBe(true);
    if (!reparsed.ok) return;
    expect(stripSpans(reparsed.script)).toEqual(stripSpans(result.script));
    expect(printScript(reparsed.script)).toBe(printed);
    expect(spanProblems(result.script, source)).toEqual([]);
  });
});

describe('golden coverage', () => {
  const folders = readdirSync(GOLDEN_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  const casesIn = (folder: string): number => cases.filter((name) => name.startsWith(`${folder}/`)).length;
  const rules = [...readFileSync(GRAMMAR_FILE, 'utf8').matchAll(/^([A-Za-z_][A-Za-z0-9_]*)\s*:=/gm)].map((m) => m[1]!);

  it('grammar/aish.ebnf defines rules', () => {
    expect(rules.length).toBeGreaterThan(20);
    expect(new Set(rules).size, 'a rule is defined twice').toBe(rules.length);
  });

  it('every grammar rule has a golden folder with at least one case', () => {
    const uncovered = rules.filter((rule) => casesIn(rule) === 0);
    expect(uncovered, `rules without golden cases: ${uncovered.join(', ')}`).toEqual([]);
  });

  it('every golden folder is a grammar rule, errors or examples', () => {
    const unknown = folders.filter((folder) => !rules.includes(folder) && folder !== 'errors' && folder !== 'examples');
    expect(unknown, `golden folders that name no rule: ${unknown.join(', ')}`).toEqual([]);
  });

  it('errors and examples hold cases', () => {
    expect(casesIn('errors')).toBeGreaterThan(0);
    expect(casesIn('examples')).toBeGreaterThanOrEqual(10);
  });

  it('has at least 150 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
  });

  it('every .out file has its .aish case', () => {
    const orphans: string[] = [];
    const visit = (folder: string): void => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) visit(path);
        else if (entry.name.endsWith('.out') && !existsSync(path.replace(/\.out$/, '.aish'))) orphans.push(path);
      }
    };
    visit(GOLDEN_DIR);
    expect(orphans).toEqual([]);
  });
});
