/**
 * Property tests for the parser and printer:
 * (a) any string parses, quickly, to a script or a diagnostic, never an exception;
 * (b) any syntax tree the printer can print parses back to itself;
 * (c) every golden input that parses survives print → parse unchanged.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderDiagnostic } from '../../src/diag/diagnostic.js';
import { parse, printScript } from '../../src/syntax/index.js';
import { scripts } from './arbitraries.js';
import { GOLDEN_DIR, goldenCases, stripSpans } from './support.js';

const RUNS = { numRuns: 300 };

// ---------------------------------------------------------------- (a) random text

/** Single characters, heavy in the language's special characters. */
const CHARS = [...`'"$(){}|&;<>,@!\\#~\n\t -_./=`, 'a', 'b', 'E', 'O', 'F', '1', '2', '0', 'é', '🎉', '\r'];
/** Multi-character pieces that reach deeper into the parser than single characters do. */
const PIECES = ['$(', '${', '<<', '<<-', '2>&1', '>&2', '2>>', '&&', '||', 'EOF', '\nEOF\n', 'command ', '@cap', '\\\n', '\t', '$?'];
const sourceText = fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...CHARS) }, { weight: 1, arbitrary: fc.constantFrom(...PIECES) }), {
  maxLength: 40,
}).map((pieces) => pieces.join(''));

describe('parse on arbitrary text', () => {
  it('returns a script or a diagnostic with a span inside the source and a message', () => {
    fc.assert(
      fc.property(sourceText, (source) => {
        const started = performance.now();
        const result = parse(source);
        expect(performance.now() - started).toBeLessThan(1000);
        if (result.ok) {
          expect(typeof printScript(result.script)).toBe('string');
          return;
        }
        const { span, message } = result.diagnostic;
        expect(message.length).toBeGreaterThan(0);
        expect(span.start).toBeGreaterThanOrEqual(0);
        expect(span.start).toBeLessThanOrEqual(span.end);
        expect(span.end).toBeLessThanOrEqual(source.length);
        expect(renderDiagnostic(result.diagnostic, source, { kind: 'syntax error' })).toContain(message);
      }),
      { numRuns: 1000 },
    );
  });

  it('returns a diagnostic for deep nesting instead of overflowing the stack', () => {
    for (const open of ['(', '$(', '{(', '"$(']) {
      const result = parse(open.repeat(5000));
      expect(result.ok).toBe(false);
    }
  });
});

// ---------------------------------------------------------------- (b) generated trees

describe('print then parse on generated trees', () => {
  it('parses the printed text back to the same tree', () => {
    fc.assert(
      fc.property(scripts, (script) => {
        const printed = printScript(script);
        const result = parse(printed);
        if (!result.ok) throw new Error(`printed text does not parse: ${result.diagnostic.message}\n${printed}`);
        expect(stripSpans(result.script)).toEqual(stripSpans(script));
      }),
      RUNS,
    );
  });

  it('prints the reparsed tree the same way', () => {
    fc.assert(
      fc.property(scripts, (script) => {
        const printed = printScript(script);
        const result = parse(printed);
        expect(result.ok).toBe(true);
        if (result.ok) expect(printScript(result.script)).toBe(printed);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------- (c) golden inputs

describe('print then parse on golden inputs', () => {
  const sources = goldenCases().map((name) => readFileSync(join(GOLDEN_DIR, name), 'utf8'));

  it('keeps every golden input that parses unchanged modulo spans', () => {
    let parsed = 0;
    for (const source of sources) {
      const first = parse(source);
      if (!first.ok) continue;
      parsed++;
      const printed = printScript(first.script);
      const second = parse(printed);
      expect(second.ok, `does not reparse: ${JSON.stringify(printed)}`).toBe(true);
      if (second.ok) expect(stripSpans(second.script), JSON.stringify(source)).toEqual(stripSpans(first.script));
    }
    expect(parsed).toBeGreaterThan(100);
  });
});
