/**
 * The start bundle: what `aish -c LINE` loads before it knows what the line needs. The
 * server, WebSocket, MCP, completion scripts, the REPL, ajv and the Markdown renderer (with
 * chalk) are split into chunks that
 * load on first use (scripts/bundle.mjs); a static import of one of them would put it back
 * into every start. Reads the built dist/ (npm test builds first).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const entry = join(root, 'dist', 'cli', 'main.cjs');

/** The files loaded with the entry: it and the chunks it requires at its top level, transitively (not `import()`s). */
function startFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    const text = readFileSync(file, 'utf8');
    files.set(file, text);
    // A lazy chunk is required inside `Promise.resolve().then(()=>__toESM(require(…)))`.
    for (const found of text.matchAll(/(__toESM\()?require\("(\.{1,2}\/[^"]+\.cjs)"\)/g)) {
      if (!found[1]) visit(resolve(dirname(file), found[2]!));
    }
  };
  visit(entry);
  return files;
}

describe('the start bundle', () => {
  it('leaves the server, WebSocket, MCP, completion, ajv and the Markdown renderer to chunks loaded on first use', () => {
    expect(existsSync(entry)).toBe(true);
    const files = startFiles();
    const text = [...files.values()].join('\n');
    expect(text).toContain('echo'); // the start files are really read
    for (const marker of ['require("ws")', 'require("node:http")', 'require("@modelcontextprotocol/server")', 'complete -F', 'strictSchema', 'nullptr', 'createChalk']) {
      expect(text.includes(marker), `start files hold ${marker}`).toBe(false);
    }
    // …and those chunks exist beside them.
    const all = readFileSync(entry, 'utf8');
    expect(all).toMatch(/__toESM\(require\("\.\.\/chunks\/serve-[^"]+\.cjs"\)\)/);
  });
});
