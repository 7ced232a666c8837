/**
 * The one place that decides whether and how much aish colours what it
 * writes to a stream (the chalk that styles at a level is in chalk-colors.ts,
 * so deciding costs no chalk at start-up).
 *
 * In order: `--no-color` and a non-empty `NO_COLOR` turn colour off; then
 * `FORCE_COLOR` sets the level (`0`/`false` off, `1`/empty/`true` basic, `2`
 * 256 colours, `3` true colour), even into a pipe; otherwise only a terminal
 * gets colour, never `TERM=dumb`, with the depth its `COLORTERM`/`TERM` name.
 */
/** 0 none, 1 the 16 basic colours, 2 256 colours, 3 true colour (chalk's levels). */
export type ColorLevel = 0 | 1 | 2 | 3;

export interface ColorSetting {
  /** Whether the stream is a terminal. */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  /** False for `--no-color`. */
  color?: boolean;
}

export function colorLevel({ isTTY, env, color }: ColorSetting): ColorLevel {
  if (color === false) return 0;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const forced = forcedLevel(env.FORCE_COLOR);
  if (forced !== undefined) return forced;
  if (!isTTY || env.TERM === 'dumb') return 0;
  if (env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit') return 3;
  if (/-256(colou?r)?$/i.test(env.TERM ?? '')) return 2;
  return 1;
}

function forcedLevel(value: string | undefined): ColorLevel | undefined {
  if (value === undefined) return undefined;
  if (value === '' || value === 'true') return 1;
  if (value === 'false') return 0;
  const level = Number(value);
  return Number.isInteger(level) && level >= 0 && level <= 3 ? (level as ColorLevel) : 1;
}
