/**
 * What is wrong with a configuration file, and where: every problem names the
 * file, the line and the dotted key, so the user can go straight to it.
 */
import { sep } from 'node:path';

/** One thing wrong with a configuration file (config.yaml or a Markdown specialist). */
export interface ConfigProblem {
  /** The file, as read (absolute or as the caller gave it). */
  file: string;
  /** 1-based line, when the problem has a place in the file. */
  line?: number;
  /** The dotted key, e.g. `specialists.apollo.capabilities.scores.code-analysis`. */
  key?: string;
  /** What is wrong, e.g. `expected a number from 0 to 1, got "high"`. */
  message: string;
}

/** A long list of problems helps nobody; the first ones usually explain the rest. */
const SHOWN_PROBLEMS = 20;

/**
 * A configuration that cannot be used. The message has one line per problem,
 * `FILE:LINE: KEY: MESSAGE` (`FILE: KEY: MESSAGE` when there is no line), with the
 * home folder shown as `~`. `file`, `line` and `key` are the first problem's.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID' as const;
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options: { home?: string; cause?: unknown } = {}) {
    super(formatProblems(problems, options.home), options.cause === undefined ? undefined : { cause: options.cause });
    this.problems = problems;
  }

  /** The file of the first problem. */
  get file(): string | undefined {
    return this.problems[0]?.file;
  }

  /** The line of the first problem, when it has one. */
  get line(): number | undefined {
    return this.problems[0]?.line;
  }

  /** The key of the first problem, when it has one. */
  get key(): string | undefined {
    return this.problems[0]?.key;
  }
}

/** One problem as one line: `~/.config/aish/config.yaml:7: server.port: expected …`. */
export function formatProblem(problem: ConfigProblem, home?: string): string {
  const where = problem.line === undefined ? displayPath(problem.file, home) : `${displayPath(problem.file, home)}:${problem.line}`;
  return problem.key ? `${where}: ${problem.key}: ${problem.message}` : `${where}: ${problem.message}`;
}

function formatProblems(problems: readonly ConfigProblem[], home?: string): string {
  const lines = problems.slice(0, SHOWN_PROBLEMS).map((problem) => formatProblem(problem, home));
  if (problems.length > SHOWN_PROBLEMS) lines.push(`… and ${problems.length - SHOWN_PROBLEMS} more problems`);
  return lines.join('\n');
}

/** `~/…` for files under the home folder, as users write them; other paths unchanged. */
export function displayPath(file: string, home?: string): string {
  if (!home || home === sep) return file;
  const prefix = home.endsWith(sep) ? home : home + sep;
  return file.startsWith(prefix) ? `~${sep}${file.slice(prefix.length)}` : file;
}
