/**
 * The chalk instance every coloured output uses, apart from color.ts so that
 * only what styles text (the Markdown renderer, the REPL's prompt) loads chalk.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { ColorLevel } from './color.js';

/** The chalk that styles text at `level` (level 0 leaves text as it is). */
export function colors(level: ColorLevel): ChalkInstance {
  return new Chalk({ level });
}
