/**
 * A temporary HOME for config tests: files are written under it and the env
 * passed to loadConfig names it, so the developer's own config is never read.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

/** A temporary home with helpers to write files under it. */
export interface TempHome {
  home: string;
  /** `{ HOME: home }`: nothing else of the real environment. */
  env: Record<string, string | undefined>;
  /** `~/.config/aish/config.yaml`. */
  configPath: string;
  /** `~/.config/aish/specialists`. */
  specialistsPath: string;
  /** Writes `lines` (joined with newlines) to `path` relative to home; returns the full path. */
  write(path: string, lines: string[] | string): Promise<string>;
  /** Writes config.yaml. */
  writeConfig(lines: string[] | string): Promise<string>;
  /** Writes `~/.config/aish/specialists/<name>`. */
  writeSpecialist(name: string, lines: string[] | string): Promise<string>;
}

const homes: string[] = [];

afterEach(async () => {
  await Promise.all(homes.splice(0).map((home) => rm(home, { recursive: true, force: true })));
});

/** Makes a fresh temporary home, removed after the test. */
export async function tempHome(extraEnv: Record<string, string | undefined> = {}): Promise<TempHome> {
  const home = await mkdtemp(join(tmpdir(), 'aish-config-'));
  homes.push(home);
  const write = async (path: string, lines: string[] | string): Promise<string> => {
    const full = join(home, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, Array.isArray(lines) ? lines.join('\n') + '\n' : lines);
    return full;
  };
  return {
    home,
    env: { HOME: home, ...extraEnv },
    configPath: join(home, '.config/aish/config.yaml'),
    specialistsPath: join(home, '.config/aish/specialists'),
    write,
    writeConfig: (lines) => write('.config/aish/config.yaml', lines),
    writeSpecialist: (name, lines) => write(`.config/aish/specialists/${name}`, lines),
  };
}
