/**
 * A copy of what running `bin/aish` needs (the launcher, the bundle, the
 * runtime packages it loads from node_modules) in a temporary folder anyone
 * may read, for tests that run aish as another user: the clone itself may sit
 * in a folder only its owner can enter, such as a 0700 home directory.
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** better-sqlite3's JavaScript is in the bundle; only its native addon is loaded from the package. */
const ADDON = join('build', 'Release', 'better_sqlite3.node');

let copy: string | undefined;

/** The copied `bin/aish` (made once per test file). */
export function worldReadableAish(): string {
  copy ??= makeCopy();
  return join(copy, 'bin', 'aish');
}

function makeCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'aish-install-'));
  for (const part of ['bin', 'dist', 'package.json']) cpSync(join(ROOT, part), join(root, part), { recursive: true });
  const { dependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const name of Object.keys(dependencies)) {
    const from = join(ROOT, 'node_modules', name);
    const to = join(root, 'node_modules', name);
    if (name !== 'better-sqlite3') {
      cpSync(from, to, { recursive: true });
      continue;
    }
    mkdirSync(join(to, 'build', 'Release'), { recursive: true });
    cpSync(join(from, 'package.json'), join(to, 'package.json'));
    cpSync(join(from, ADDON), join(to, ADDON));
  }
  openToEveryone(root);
  return root;
}

/** Folders 0755 (mkdtemp makes its folder 0700), files readable, executables kept executable. */
function openToEveryone(path: string): void {
  const stats = statSync(path);
  if (!stats.isDirectory()) {
    chmodSync(path, stats.mode & 0o111 ? 0o755 : 0o644);
    return;
  }
  chmodSync(path, 0o755);
  for (const name of readdirSync(path)) openToEveryone(join(path, name));
}
