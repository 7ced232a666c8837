/** Temporary folders and stores for the store tests, removed after each test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { AishStore, type NewExchange } from '../../src/store/index.js';

const folders: string[] = [];
const stores: AishStore[] = [];

afterEach(() => {
  for (const store of stores.splice(0)) {
    try {
      store.close();
    } catch {
      // Already closed by the test.
    }
  }
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A new empty folder, removed after the test. */
export function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'aish-store-'));
  folders.push(folder);
  return folder;
}

/** A store on `file` (by default a new file in a temp folder), closed after the test. */
export function openStore(file = join(tempFolder(), 'aish.db')): AishStore {
  const store = AishStore.open(file);
  stores.push(store);
  return store;
}

/** A plain better-sqlite3 connection, for looking behind the store's back. */
export function rawConnection(file: string): Database.Database {
  return new Database(file);
}

/** A session with defaults, created in `store`. */
export function createSession(store: AishStore, id: string, overrides: { name?: string; ttl_s?: number; now?: number } = {}) {
  return store.createSession({ id, specialist_id: 'apollo', context_window: 10, ttl_s: overrides.ttl_s ?? 3600, now: overrides.now ?? 1_000, ...overrides });
}

/** Exchange number `n` with recognisable content: `q<n>` answered by `a<n>`. */
export function exchange(n: number, now = 2_000 + n): NewExchange {
  return {
    user: { content: `q${n}`, timestamp: now, tokens: n },
    assistant: { content: `a${n}`, timestamp: now + 1, tokens: n * 10, specialist_id: 'apollo' },
    now: now + 1,
  };
}
