// Loads a file of the built bundle (dist/) and the chunks it requires, each compiled
// with V8's code cache made at build time (FILE.cache, see scripts/code-cache.cjs) when V8
// accepts it, so most parsing and compiling is skipped on every start. Node 20 has no
// built-in compile cache; a chunk without a cache is simply compiled.
'use strict';
const { readFileSync } = require('node:fs');
const { createRequire, wrap } = require('node:module');
const { dirname, resolve } = require('node:path');
const { Script } = require('node:vm');

/**
 * The exports of bundle file `file`. Chunks (relative `.cjs` requires) go through here too,
 * once each; anything else is Node's `require`. `scripts`, when given, collects the
 * compiled scripts by path (the build makes their caches from them). `packages` maps a
 * package name to a function giving its exports, for packages bundled apart (the MCP SDK).
 */
function loadBundle(file, scripts, packages = {}) {
  const modules = new Map();
  function load(path) {
    const known = modules.get(path);
    if (known) return known.exports;
    const module = { exports: {}, filename: path, id: path };
    modules.set(path, module);
    let cachedData;
    try {
      cachedData = readFileSync(`${path}.cache`);
    } catch {
      // no cache: compiled from source
    }
    const script = new Script(wrap(readFileSync(path, 'utf8')), { filename: path, cachedData });
    scripts?.set(path, script);
    const nodeRequire = createRequire(path);
    const chunkRequire = Object.assign((id) => {
      if (id.startsWith('.') && id.endsWith('.cjs')) return load(resolve(dirname(path), id));
      return Object.hasOwn(packages, id) ? packages[id]() : nodeRequire(id);
    }, nodeRequire);
    script.runInThisContext()(module.exports, chunkRequire, module, path, dirname(path));
    return module.exports;
  }
  return load(file);
}

/** Runs one built CommonJS file with its code cache when V8 accepts it (no chunks); returns its exports. */
function loadFile(path) {
  return loadBundle(path);
}

module.exports = { loadBundle, loadFile };
