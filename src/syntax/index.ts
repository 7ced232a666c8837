/** The syntax module's public face: parse, print, dump and walk the aish language. */
export * from './ast.js';
export { parse, type ParseResult } from './parser.js';
// A failed parse carries a diagnostic; this is how callers print it.
export { renderDiagnostic } from '../diag/diagnostic.js';
export { printScript, printPipeline, printWord } from './printer.js';
export { dumpTree } from './dump.js';
export { walk, children } from './walk.js';
