/**
 * Where Tab completion finds its names: the shell's aliases and variables,
 * the specialist service (specialists, capabilities, sessions), PATH and the
 * file system. The service may be a slow or absent server, so its answers are
 * cached and a Tab waits for them only briefly: a late answer fills the
 * cache for the next Tab instead of holding up the prompt.
 */
import { accessSync, constants, readdirSync, statSync, type Dirent } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { SpecialistDirectory } from '../plan/index.js';
import type { SpecialistInfo } from '../protocol/index.js';
import type { CompletionSources } from './completion.js';
import type { Shell } from './shell.js';

/** How long a Tab waits for the service, and how long its answers are kept. */
export interface CompletionTiming {
  waitMs: number;
  specialistsTtlMs: number;
  sessionsTtlMs: number;
}

const DEFAULT_TIMING: CompletionTiming = { waitMs: 250, specialistsTtlMs: 60_000, sessionsTtlMs: 5_000 };
const PATH_TTL_MS = 30_000;

/** A value fetched in the background, kept for `ttlMs`; readers wait at most `waitMs` for a fresh one. */
export class Cached<T> {
  private value: T | undefined;
  private fetchedAt = 0;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly fetch: () => Promise<T>,
    private readonly ttlMs: number,
    private readonly waitMs: number,
  ) {}

  /** The value, fresh if it comes within `waitMs`, else the last one known (or undefined). */
  async get(): Promise<T | undefined> {
    if (this.value !== undefined && Date.now() - this.fetchedAt < this.ttlMs) return this.value;
    const fetching = this.refresh();
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.waitMs)));
    await Promise.race([fetching, waited]);
    clearTimeout(timer);
    return this.value;
  }

  /** Starts a fetch unless one is running; a failed fetch keeps the old value. */
  refresh(): Promise<void> {
    this.inFlight ??= this.fetch()
      .then(
        (value) => {
          this.value = value;
          this.fetchedAt = Date.now();
        },
        () => undefined,
      )
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }
}

export class ShellCompletionSources implements CompletionSources {
  private readonly roster: Cached<SpecialistInfo[]>;
  private readonly sessionNames: Cached<string[]>;
  private readonly pathFolders = new Map<string, { names: string[]; readAt: number }>();

  constructor(
    private readonly shell: Shell,
    timing: CompletionTiming = DEFAULT_TIMING,
  ) {
    this.roster = new Cached(() => shell.specialists.list(), timing.specialistsTtlMs, timing.waitMs);
    this.sessionNames = new Cached(
      async () => (await shell.specialists.listSessions()).flatMap((session) => (session.name ? [session.name, session.id] : [session.id])),
      timing.sessionsTtlMs,
      timing.waitMs,
    );
  }

  /** Asks for the specialist list now, so the first Tab finds it. */
  prefetch(): void {
    void this.roster.refresh();
  }

  async specialists(): Promise<SpecialistDirectory | undefined> {
    const list = await this.roster.get();
    if (!list) return undefined;
    const aliases = new Map<string, string>();
    for (const specialist of list) for (const alias of specialist.aliases) aliases.set(alias, specialist.id);
    return { ids: list.map((specialist) => specialist.id), aliases };
  }

  async capabilities(): Promise<string[]> {
    const list = (await this.roster.get()) ?? [];
    return list.flatMap((specialist) => [...specialist.capabilities.primary, ...Object.keys(specialist.capabilities.scores)]);
  }

  async sessions(): Promise<string[]> {
    return (await this.sessionNames.get()) ?? [];
  }

  aliases(): string[] {
    return [...this.shell.state.aliases.keys()];
  }

  variables(): string[] {
    return [...this.shell.state.variables.keys()];
  }

  executables(prefix: string): string[] {
    if (prefix === '') return [];
    const found: string[] = [];
    for (const folder of (process.env.PATH ?? '').split(delimiter)) {
      if (folder === '') continue;
      for (const name of this.folderNames(folder)) {
        if (name.startsWith(prefix) && isExecutable(join(folder, name))) found.push(name);
      }
    }
    return found;
  }

  files(prefix: string, foldersOnly: boolean): string[] {
    return listFiles(prefix, foldersOnly);
  }

  private folderNames(folder: string): string[] {
    const known = this.pathFolders.get(folder);
    if (known && Date.now() - known.readAt < PATH_TTL_MS) return known.names;
    let names: string[] = [];
    try {
      names = readdirSync(folder);
    } catch {
      // a PATH entry that does not exist holds no commands
    }
    this.pathFolders.set(folder, { names, readAt: Date.now() });
    return names;
  }
}

/** Paths starting with `prefix`, written as typed (`~/` kept); folders end with `/`; dot files only when asked for. */
export function listFiles(prefix: string, foldersOnly: boolean): string[] {
  const slash = prefix.lastIndexOf('/');
  const typedFolder = prefix.slice(0, slash + 1);
  const base = prefix.slice(slash + 1);
  const folder = typedFolder === '' ? '.' : typedFolder.startsWith('~/') ? join(homeFolder(), typedFolder.slice(2)) : typedFolder;
  let entries: Dirent[];
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of entries) {
    if (!entry.name.startsWith(base) || (entry.name.startsWith('.') && !base.startsWith('.'))) continue;
    const isFolder = entry.isDirectory() || (entry.isSymbolicLink() && isFolderPath(join(folder, entry.name)));
    if (foldersOnly && !isFolder) continue;
    found.push(typedFolder + entry.name + (isFolder ? '/' : ''));
  }
  return found;
}

function homeFolder(): string {
  return process.env.HOME || homedir();
}

function isFolderPath(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
