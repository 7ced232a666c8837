/** The shell: state, scripts, `-c` lines and the REPL. */
export { Shell, SYNTAX_ERROR_STATUS, type ShellOptions } from './shell.js';
export { runCapturedLine, type CapturedLineOptions, type CapturedLine } from './captured-line.js';
