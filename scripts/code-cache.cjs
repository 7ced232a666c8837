// Build step: V8's compiled code for the bundle, saved beside it so bin/aish
// skips most parsing and compiling on every start (Node 20 has no built-in
// compile cache). A cache that does not fit this node is ignored by V8.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { wrap } = require('node:module');
const { Script } = require('node:vm');
const { join } = require('node:path');

const file = join(__dirname, '..', 'dist', 'cli', 'main.cjs');
const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file });
writeFileSync(`${file}.cache`, script.createCachedData());
