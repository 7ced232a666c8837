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
import type { MarkdownOptions } from '../exec/markdown/index.js';
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
  const choice = (): MarkdownOptions => ({ color: flags.color !== false && !env.NO_COLOR, width: process.stdout.columns ?? 80 });
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
