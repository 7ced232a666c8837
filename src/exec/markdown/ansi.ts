/**
 * The few terminal styles the Markdown renderer uses. Each wraps text in an
 * SGR "on" code and its own "off" code (not a full reset), and re-opens the
 * style after any inner "off" of the same kind, so styles nest: a bold word
 * inside a bold heading leaves the rest of the heading bold.
 */

/** Turns text into styled text; the identity when colour is off. */
export type Style = (text: string) => string;

/** The styles one rendering uses. */
export interface Palette {
  bold: Style;
  italic: Style;
  underline: Style;
  strike: Style;
  dim: Style;
  /** `inline code` */
  code: Style;
  /** List bullets and numbers. */
  marker: Style;
  /** Code highlighting. */
  keyword: Style;
  string: Style;
  comment: Style;
  number: Style;
  literal: Style;
}

function sgr(on: number, off: number): Style {
  const open = `\x1b[${on}m`;
  const close = `\x1b[${off}m`;
  return (text) => (text === '' ? '' : open + text.split(close).join(close + open) + close);
}

const plain: Style = (text) => text;

export const COLOR_PALETTE: Palette = {
  bold: sgr(1, 22),
  italic: sgr(3, 23),
  underline: sgr(4, 24),
  strike: sgr(9, 29),
  dim: sgr(2, 22),
  code: sgr(36, 39),
  marker: sgr(33, 39),
  keyword: sgr(35, 39),
  string: sgr(32, 39),
  comment: sgr(90, 39),
  number: sgr(33, 39),
  literal: sgr(34, 39),
};

export const PLAIN_PALETTE: Palette = {
  bold: plain,
  italic: plain,
  underline: plain,
  strike: plain,
  dim: plain,
  code: plain,
  marker: plain,
  keyword: plain,
  string: plain,
  comment: plain,
  number: plain,
  literal: plain,
};

/** Removes SGR escape sequences (for measuring and for tests). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
