/** The shell: state, scripts, `-c` lines and the REPL. */
export { Shell, SYNTAX_ERROR_STATUS, type ShellOptions } from './shell.js';
