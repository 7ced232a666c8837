/**
 * Whether answers on aish's stdout are shown as formatted Markdown, and with
 * colour: `--raw` never; `--render` always, even into a pipe or file (asked
 * for by name, e.g. `aish --render -c … | less -R`); otherwise only when
 * stdout is a terminal and config.yaml's `render:` allows it (`auto`, the
 * default, skips TERM=dumb terminals; `always` does not; `never` is off).
 * No setting in a file ever renders into a pipe: scripts get plain text.
 * NO_COLOR or `--no-color` keep the layout and drop the colour.
 */
import { isatty } from 'node:tty';
import type { RenderSetting } from '../config/index.js';
import type { Display, OutputTransform } from '../exec/index.js';
// Not render/index.js: the Markdown renderer (and chalk) load only when answers are rendered.
import { colorLevel } from '../render/color.js';
import { ControlCharacterStream, showControlCharacters } from '../render/control-characters.js';
import type { MarkdownOptions, MarkdownStream } from '../render/markdown/index.js';
import { FanoutProgress, RecordsProgressLine, Spinner } from '../render/progress.js';
import { localConfig } from './specialists.js';

/** The command-line flags that bear on rendering. */
export interface RenderFlags {
  render?: boolean;
  raw?: boolean;
  /** `--no-color` makes this false. */
  color?: boolean;
}

/** How answers on stdout are rendered, or undefined for raw text. */
export async function markdownChoice(flags: RenderFlags, env: NodeJS.ProcessEnv = process.env): Promise<MarkdownOptions | undefined> {
  if (flags.raw) return undefined;
  // Only looked at when rendering: process.stdout costs start-up time on the `-c` fast path.
  const choice = (): MarkdownOptions => {
    // Asked for by name (`--render`), Markdown is coloured into a pipe as on a terminal.
    const level = colorLevel({ isTTY: flags.render === true || isatty(1), env, ...(flags.color === false && { color: false }) });
    return { color: level > 0, level: level || 1, width: process.stdout.columns ?? 80 };
  };
  if (flags.render) return choice();
  if (!isatty(1)) return undefined;
  const setting = await configuredSetting();
  if (setting === 'never' || (setting === 'auto' && env.TERM === 'dumb')) return undefined;
  return choice();
}

/** config.yaml's `render:`; `auto` when the file cannot be read (the service reports its problems). */
async function configuredSetting(): Promise<RenderSetting> {
  try {
    // Read once per process: the embedded service reads the same file.
    return (await localConfig()).render;
  } catch {
    return 'auto';
  }
}

/**
 * How answers and progress look: Markdown as `markdownChoice` says, control
 * characters shown visibly wherever answers are displayed (a terminal, or
 * rendered), and progress lines on stderr when it is a terminal with colour
 * and not `-q`.
 */
export async function displayFor(flags: RenderFlags & { quiet?: boolean; json?: boolean }, env: NodeJS.ProcessEnv = process.env): Promise<Display> {
  // A --json run collects its stdout: nothing there is shown on a terminal.
  const markdown = flags.json ? undefined : await markdownChoice(flags, env);
  const visible = !flags.json && (markdown !== undefined || isatty(1));
  // Loaded only when answers are rendered (a terminal, or --render): a pipe gets plain text.
  const renderer = markdown ? await import('../render/markdown/index.js') : undefined;
  const color = colorLevel({ isTTY: true, env, ...(flags.color === false && { color: false }) }) > 0;
  const progress = !flags.quiet && isatty(2) && color;
  // An --each run can take hours: its line shows without colour too (NO_COLOR, --no-color), only not off a terminal or with -q.
  const recordsProgress = !flags.quiet && isatty(2);
  return {
    answer: () => (visible ? shownAnswer(markdown && renderer && new renderer.MarkdownStream(markdown)) : undefined),
    waiting: (label) => new Spinner(label, progress),
    branches: (labels) => new FanoutProgress(labels, progress),
    records: (label) => new RecordsProgressLine(label, recordsProgress, { color }),
    stored: (text) => (isatty(1) ? showControlCharacters(text) : text),
  };
}

/** Control characters made visible first, so the Markdown renderer's own escapes are the only ones written. */
function shownAnswer(rendered: MarkdownStream | undefined): OutputTransform {
  const controls = new ControlCharacterStream();
  if (!rendered) return controls;
  return {
    push: (text) => rendered.push(controls.push(text)),
    end: () => rendered.push(controls.end()) + rendered.end(),
  };
}
