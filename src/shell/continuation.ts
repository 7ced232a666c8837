/**
 * Whether a text typed at the prompt is finished (docs/language.md "Structure"): an open
 * quote, brace, parenthesis, `$(`, here-document, or a trailing `|`, `&&`,
 * `||` or `\` leaves it unfinished, and the REPL asks for another line.
 * The parser decides; a text that is wrong (not merely unfinished) counts
 * as finished, so running it reports the error at once.
 */
import { parse } from '../syntax/index.js';

export function isUnfinished(text: string): boolean {
  const parsed = parse(text);
  return !parsed.ok && parsed.diagnostic.incomplete === true;
}
