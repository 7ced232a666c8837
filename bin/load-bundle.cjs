// Loads a file of the built bundle (dist/) and the chunks it requires, each compiled
// with V8's code cache made at build time (FILE.cache, see scripts/code-cache.cjs) when V8
// accepts it, so most parsing and compiling is skipped on every start. Node 20 has no
// built-in compile cache; a chunk without a cache is simply compiled.
//
// The files a typical line loads are also packed into one file, dist/start-pack.cjs (with
// its own cache): one read and one compile at start instead of two reads and a compile per
// chunk. A packed file is taken from the pack; any other is read from its own file.
'use strict';
const { closeSync, fstatSync, openSync, readFileSync, readSync } = require('node:fs');
const { createRequire, wrap } = require('node:module');
const { dirname, join, relative, sep } = require('node:path');
const { Script } = require('node:vm');

/** The pack of start files: a script whose value maps a path under dist/ to the file's module function. */
const PACK = 'start-pack.cjs';

/** V8's compiled `source` (named `path`), with the cache at `path`.cache when there is one V8 accepts. */
function compile(source, path) {
  let cachedData;
  try {
    cachedData = readFileSync(`${path}.cache`);
  } catch {
    // no cache: compiled from source
  }
  return new Script(source, { filename: path, cachedData });
}

/**
 * The module functions of the pack at `file`, or undefined when there is none. The pack and
 * then its cache are read into one buffer: most of what a start costs on a small machine is
 * memory touched for the first time, and the pack's bytes are not needed once they are a
 * string. The pack is ASCII (scripts/code-cache.cjs checks), so it is read as latin1.
 */
function readPack(file, scripts) {
  const pack = openForReading(file);
  if (!pack) return undefined;
  const cache = openForReading(`${file}.cache`);
  let script;
  try {
    const buffer = Buffer.allocUnsafe(Math.max(pack.size, cache?.size ?? 0));
    const source = buffer.toString('latin1', 0, readWhole(pack, buffer));
    const cachedData = cache && buffer.subarray(0, readWhole(cache, buffer));
    script = new Script(source, { filename: file, cachedData });
  } finally {
    closeSync(pack.fd);
    if (cache) closeSync(cache.fd);
  }
  scripts?.set(file, script);
  return script.runInThisContext();
}

/** An open file and its size, or undefined when it cannot be opened. */
function openForReading(path) {
  let fd;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  return { fd, size: fstatSync(fd).size };
}

/** Reads all of an opened file into the start of `buffer` (big enough for it); the bytes read. */
function readWhole({ fd, size }, buffer) {
  let done = 0;
  while (done < size) {
    const read = readSync(fd, buffer, done, size - done, done);
    if (read === 0) break;
    done += read;
  }
  return done;
}

/**
 * The exports of bundle file `file`. Chunks (relative `.cjs` requires) go through here too,
 * once each; anything else is Node's `require`. `scripts`, when given, collects the
 * compiled scripts by path (the build makes their caches from them). `packages` maps a
 * package name to a function giving its exports, for packages bundled apart (the MCP SDK).
 * `pack` is the file of packed start files (dist/start-pack.cjs beside the entry's folder
 * by default; none when false).
 */
function loadBundle(file, scripts, packages = {}, pack) {
  const dist = dirname(dirname(file));
  const packed = pack === false ? undefined : readPack(pack ?? join(dist, PACK), scripts);
  // Modules are known by their name under dist/ ('cli/main.cjs', 'chunks/chunk-X.cjs'), worked
  // out with string operations: path.resolve on every require made node:path hot enough for V8
  // to optimize it during a 40 ms start.
  const modules = new Map();
  // Node's `require` for packages and builtins: one per folder, made for its first file (it resolves
  // the same for every file in the folder), not one per chunk.
  const nodeRequires = new Map();
  const nodeRequireFor = (folder, path) => {
    let found = nodeRequires.get(folder);
    if (!found) nodeRequires.set(folder, (found = createRequire(path)));
    return found;
  };
  function load(name) {
    const known = modules.get(name);
    if (known) return known.exports;
    const path = dist + sep + (sep === '/' ? name : name.replaceAll('/', sep));
    const module = { exports: {}, filename: path, id: path };
    modules.set(name, module);
    let run = packed && Object.hasOwn(packed, name) ? packed[name] : undefined;
    if (!run) {
      const script = compile(wrap(readFileSync(path, 'utf8')), path);
      scripts?.set(path, script);
      run = script.runInThisContext();
    }
    const folderName = name.slice(0, name.lastIndexOf('/') + 1);
    const nodeRequire = nodeRequireFor(folderName, path);
    const chunkRequire = Object.assign((id) => {
      if (id.startsWith('.') && id.endsWith('.cjs')) return load(chunkName(folderName, id));
      return Object.hasOwn(packages, id) ? packages[id]() : nodeRequire(id);
    }, nodeRequire);
    run(module.exports, chunkRequire, module, path, dirname(path));
    return module.exports;
  }
  return load(relative(dist, file).split(sep).join('/'));
}

/** The name under dist/ of chunk `id` ('./x.cjs', '../chunks/x.cjs') required from a file in `folder` ('cli/', 'chunks/'). */
function chunkName(folder, id) {
  let base = folder;
  let rest = id;
  for (;;) {
    if (rest.startsWith('./')) rest = rest.slice(2);
    else if (rest.startsWith('../')) {
      rest = rest.slice(3);
      base = base.slice(0, base.lastIndexOf('/', base.length - 2) + 1);
    } else return base + rest;
  }
}

/** Runs one built CommonJS file with its code cache when V8 accepts it (no chunks, no pack); returns its exports. */
function loadFile(path) {
  return loadBundle(path, undefined, {}, false);
}

module.exports = { loadBundle, loadFile, PACK };
