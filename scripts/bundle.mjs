// Build step: the bundle in dist/, split so that `aish -c 'echo hi | apollo'` loads only
// what such a line needs. esbuild splits only ESM output, and bin/aish runs CommonJS (Node's
// ESM loader adds to every start, and Node 20 keeps no compile cache for ESM), so:
//   1. esbuild bundles the entries as ESM with code splitting: what is reached only through
//      `await import(…)` (the server, WebSocket, MCP, completion, the REPL, the Markdown
//      renderer, ajv, providers' HTTP adapters …) lands in its own chunk under dist/chunks/;
//   2. each output file is turned into CommonJS on its own, `import(…)` of a chunk becoming a
//      `require` of it, loaded on first use;
//   3. scripts/code-cache.cjs makes V8's code cache for the files a typical line loads.
// (The MCP SDK and zod are a bundle of their own, dist/vendor/mcp-sdk.cjs, made after this.)
// A new `await import('./x.js')` in src is split out the same way, with nothing to add here.
import { build, transform } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
/** Packages left to Node's resolution: loaded only on the paths that need them. */
const EXTERNAL = ['commander', 'undici', 'eventsource-parser', 'ws', '@modelcontextprotocol/server', '@modelcontextprotocol/client', 'zod', 'ioredis', 'pg'];

rmSync(dist, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  // Beside the CLI, entries that bench scripts require on their own.
  entryPoints: {
    'cli/main': 'src/cli/main.ts',
    'syntax/index': 'src/syntax/index.ts',
    'store/index': 'src/store/index.ts',
    'service/schema': 'src/service/schema.ts',
    'cli/events-output': 'src/cli/events-output.ts',
    'service/index': 'src/service/index.ts',
    'mcp/client': 'src/mcp/client.ts',
    'coord/index': 'src/coord/index.ts',
    'coord/redis-coordinator': 'src/coord/redis-coordinator.ts',
  },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: dist,
  // Chunks sit two folders below the package root, as the entries do (the store finds its addon from there).
  chunkNames: 'chunks/[name]-[hash]',
  external: EXTERNAL,
  minifyWhitespace: true,
  minifySyntax: true,
  // Short local names: a quarter less source to read and compile at every start (about 4 ms of
  // the 35 or so that aish adds to bare node's start here). Exported names stay.
  // AISH_READABLE_BUILD=1 keeps every name, for reading an internal error's stack.
  minifyIdentifiers: !process.env.AISH_READABLE_BUILD,
  write: false,
  logLevel: 'warning',
});

/**
 * A CommonJS package reached only by `await import(…)` (yaml) becomes a chunk whose one export
 * is `export default require_x()` (a short name once names are minified): its importer would
 * see no named exports. As CommonJS the chunk's exports are the package's own instead, so
 * `import(…)` gives the names as it did in one bundle.
 */
function packageChunk(text) {
  const found = /export default ([\w$]+)\(\);\s*$/.exec(text);
  if (!found || /(^|[;}\n])export\s*[{*]/.test(text.slice(0, found.index))) return { text };
  return { text: text.slice(0, found.index), tail: `\nmodule.exports=${found[1]}();\n` };
}

/**
 * esbuild's CommonJS interop copies a converted file's exports into a second object of getters
 * (`__toCommonJS`), and a chunk reached by `import()` into a third (`__toESM`): about 600
 * property definitions, each a new hidden class, at every start, and two getters on every call
 * from one chunk into another. Our chunks' export objects are already getters (live
 * bindings), so they are passed on as they are, marked `__esModule`; a real CommonJS package
 * (no `__esModule`) still gets its `default`. Checked, so a new esbuild that words its helpers
 * differently stops the build here rather than quietly bringing the copies back.
 */
const ESBUILD_TO_COMMONJS = '__toCommonJS=mod=>__copyProps(__defProp({},"__esModule",{value:!0}),mod)';
const LEAN_TO_COMMONJS = '__toCommonJS=mod=>__defProp(mod,"__esModule",{value:!0})';
const ESBUILD_TO_ESM = '__toESM=(mod,isNodeMode,target)=>(target=';
const LEAN_TO_ESM = '__toESM=(mod,isNodeMode,target)=>!isNodeMode&&mod?.__esModule?mod:(target=';
function withLeanInterop(code, path) {
  let text = code;
  for (const [helper, esbuilds, lean] of [['__toCommonJS', ESBUILD_TO_COMMONJS, LEAN_TO_COMMONJS], ['__toESM', ESBUILD_TO_ESM, LEAN_TO_ESM]]) {
    if (!text.includes(`var ${helper}=`) && !text.includes(`,${helper}=`)) continue;
    if (!text.includes(esbuilds)) throw new Error(`bundle: ${relative(root, path)} defines ${helper} in a way scripts/bundle.mjs does not know (a new esbuild?); update withLeanInterop`);
    text = text.replace(esbuilds, lean);
  }
  return text;
}

for (const file of result.outputFiles) {
  if (!file.path.endsWith('.js')) continue;
  const chunk = packageChunk(file.text);
  const { code } = await transform(chunk.text, {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // `import('./chunks/x.js')` becomes a `require` of it, made when the import runs.
    supported: { 'dynamic-import': false },
    minifyWhitespace: true,
    minifySyntax: true,
    sourcefile: relative(root, file.path),
    logLevel: 'warning',
  });
  // Chunks name each other by relative path; their files end in .cjs.
  const text = withLeanInterop(code.replace(/require\("(\.{1,2}\/[^"]+)\.js"\)/g, 'require("$1.cjs")'), file.path) + (chunk.tail ?? '');
  const target = file.path.replace(/\.js$/, '.cjs');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}
