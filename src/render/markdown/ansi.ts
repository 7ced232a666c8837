/**
 * The few terminal styles the Markdown renderer uses, through chalk at the
 * colour level render/color.ts decides. Each wraps text in an SGR "on" code
 * and its own "off" code (not a full reset), and chalk re-opens the style
 * after any inner "off" of the same kind, so styles nest: a bold word inside
 * a bold heading leaves the rest of the heading bold.
 */
import type { ColorLevel } from '../color.js';
import { colors } from '../chalk-colors.js';

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

/** The palette at `level`: chalk's styles, which nest (an inner close re-opens the outer style); plain at level 0. */
export function paletteFor(level: ColorLevel): Palette {
  const chalk = colors(level);
  return {
    bold: chalk.bold,
    italic: chalk.italic,
    underline: chalk.underline,
    strike: chalk.strikethrough,
    dim: chalk.dim,
    code: chalk.cyan,
    marker: chalk.yellow,
    keyword: chalk.magenta,
    string: chalk.green,
    comment: chalk.gray,
    number: chalk.yellow,
    literal: chalk.blue,
  };
}

/** Removes SGR escape sequences (for measuring and for tests). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
