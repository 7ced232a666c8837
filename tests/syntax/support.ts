/**
 * Helpers shared by the syntax tests: finding the golden cases, rendering a
 * parse result the way the `.out` files hold it, comparing trees without their
 * spans, and checking the spans of a parsed tree against its source.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderDiagnostic } from '../../src/diag/diagnostic.js';
import type { Node, Script, Span } from '../../src/syntax/index.js';
import { children, dumpTree, parse, printScript } from '../../src/syntax/index.js';

export const GOLDEN_DIR = fileURLToPath(new URL('./golden', import.meta.url));
export const GRAMMAR_FILE = fileURLToPath(new URL('../../grammar/aish.ebnf', import.meta.url));

/** Every `.aish` file under the golden folder, as paths relative to it, sorted. */
export function goldenCases(dir = GOLDEN_DIR): string[] {
  const found: string[] = [];
  const visit = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.aish')) found.push(relative(dir, path));
    }
  };
  visit(dir);
  return found.sort();
}

/** The expected `.out` text for a source: dump and print, or the rendered diagnostic. */
export function renderResult(source: string): string {
  const result = parse(source);
  if (!result.ok) {
    const rendered = renderDiagnostic(result.diagnostic, source, { kind: 'syntax error' });
    return `${rendered}incomplete: ${result.diagnostic.incomplete === true}\n`;
  }
  return `${dumpTree(result.script)}--- print\n${printScript(result.script)}\n`;
}

/** A deep copy of a tree without `span` and `bodySpan`, for comparing trees. */
export function stripSpans(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSpans);
  if (value === null || typeof value !== 'object') return value;
  // A node the parser keeps in a compact form (a `TextWord`) compares as its JSON.
  if ('toJSON' in value && typeof value.toJSON === 'function') return stripSpans(value.toJSON());
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'span' || key === 'bodySpan' || child === undefined) continue;
    out[key] = stripSpans(child);
  }
  return out;
}

/** Text that the printer leaves unquoted (kept in step with printer.ts). */
export const SAFE_BARE = /^[A-Za-z0-9_./:=+%^-]+$/;

const BLANK = /[ \t\r\n]/;

function within(inner: Span, outer: Span): boolean {
  return inner.start >= outer.start && inner.end <= outer.end && inner.start <= inner.end;
}

function describe(node: Node, source: string): string {
  return `${node.kind} ${node.span.start}-${node.span.end} ${JSON.stringify(source.slice(node.span.start, node.span.end))}`;
}

/**
 * Checks the spans of a parsed script and returns the problems found:
 * - every node's span lies within its parent's (a here-document's body word
 *   lies within the here-document's `bodySpan` instead, as bodies come after
 *   the line);
 * - outside here-document bodies, the source slice of every node but a script
 *   has no leading or trailing blank (a trailing blank escaped by `\` belongs to
 *   the word; a text part may start or end with a blank of its own value, as
 *   in `"$X y $Z"`);
 * - a word whose source is only safe bare text is one text part equal to it.
 */
export function spanProblems(script: Script, source: string): string[] {
  const problems: string[] = [];
  const visit = (node: Node, parent: Node | undefined, inBody: boolean): void => {
    const slice = source.slice(node.span.start, node.span.end);
    if (node.span.end > source.length) problems.push(`${describe(node, source)} ends past the source`);
    if (parent) {
      const outer = parent.kind === 'here-doc' ? parent.bodySpan : parent.span;
      if (!within(node.span, outer)) problems.push(`${describe(node, source)} is outside its parent ${describe(parent, source)}`);
    }
    if (!inBody && node.kind !== 'script' && slice.length > 0) {
      const first = slice.charAt(0);
      const leadingOk = node.kind === 'text' && node.value.startsWith(first);
      if (BLANK.test(first) && !leadingOk) problems.push(`${describe(node, source)} starts with a blank`);
      const last = slice.charAt(slice.length - 1);
      const trailingOk = slice.charAt(slice.length - 2) === '\\' || (node.kind === 'text' && node.value.endsWith(last));
      if (BLANK.test(last) && !trailingOk) problems.push(`${describe(node, source)} ends with a blank`);
    }
    if (!inBody && node.kind === 'word' && SAFE_BARE.test(slice)) {
      const only = node.parts.length === 1 ? node.parts[0]! : undefined;
      if (!only || only.kind !== 'text' || only.value !== slice) problems.push(`${describe(node, source)} is safe bare text but not one text part equal to it`);
    }
    if (node.kind === 'here-doc' && !within(node.body.span, node.bodySpan)) {
      problems.push(`here-doc body ${node.body.span.start}-${node.body.span.end} is outside bodySpan`);
    }
    for (const child of children(node)) visit(child, node, inBody || node.kind === 'here-doc');
  };
  visit(script, undefined, false);
  return problems;
}
