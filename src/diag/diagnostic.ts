/**
 * The one diagnostic shape shared by every phase (parse, plan, run).
 * Positions are offsets into the source string; line and column are computed
 * only when a diagnostic is rendered.
 */

/** A half-open range `[start, end)` of offsets into a source string. */
export interface Span {
  start: number;
  end: number;
}

/** A problem found in what the user typed, pointing at where they typed it. */
export interface Diagnostic {
  /** Stable code such as `parse/unclosed-quote` or `plan/not-found`. */
  code: string;
  message: string;
  span: Span;
  hint?: string;
  /**
   * True when the input is merely unfinished (an open quote, brace or
   * here-document, a trailing `|`): the REPL asks for another line.
   */
  incomplete?: boolean;
}

/** A 1-based line and column; columns count characters (code points). */
export interface Position {
  line: number;
  column: number;
}

export function span(start: number, end: number): Span {
  return { start, end };
}

/** Turns an offset into a 1-based line and column. */
export function positionAt(source: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  const limit = Math.min(offset, source.length);
  for (let i = 0; i < limit; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: codePointLength(source.slice(lineStart, limit)) + 1 };
}

function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** The full text of the line holding `offset`, without its newline. */
export function lineAt(source: string, offset: number): string {
  const clamped = Math.min(Math.max(offset, 0), source.length);
  const start = clamped === 0 ? 0 : source.lastIndexOf('\n', clamped - 1) + 1;
  const end = source.indexOf('\n', clamped);
  return source.slice(start, end === -1 ? source.length : end);
}

/**
 * Renders a diagnostic the way docs/language.md "Errors" shows it:
 *
 *     aish: syntax error at 1:20: expected a specialist or command after '|'
 *       echo "hi" | apollo |
 *                          ^
 *
 * `origin` (a script's file name) is put before the position when given.
 */
export function renderDiagnostic(
  diagnostic: Diagnostic,
  source: string,
  options: { kind?: string; origin?: string } = {},
): string {
  const { line, column } = positionAt(source, diagnostic.span.start);
  const where = options.origin ? `${options.origin}:${line}:${column}` : `${line}:${column}`;
  const kind = options.kind ?? 'error';
  const text = lineAt(source, diagnostic.span.start);
  // Keep tabs in the caret line so the caret lines up under tabbed source.
  const pad = Array.from(text).slice(0, column - 1).map((ch) => (ch === '\t' ? '\t' : ' ')).join('');
  let out = `aish: ${kind} at ${where}: ${diagnostic.message}\n  ${text}\n  ${pad}^\n`;
  if (diagnostic.hint) out += `  ${diagnostic.hint}\n`;
  return out;
}
