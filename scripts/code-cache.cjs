// Build step: V8's compiled code for the bundle, saved beside it so bin/aish
// skips most parsing and compiling on every start (Node 20 has no built-in
// compile cache). The cache is taken after one warm-up run of a typical line
// (`echo hi | apollo`, offline, with a small config file so the YAML reader is
// compiled too), so the functions that run at every start are in it, not only
// the top level. A cache that does not fit this node is ignored by V8.
'use strict';
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { createRequire, wrap } = require('node:module');
const { tmpdir } = require('node:os');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const file = join(__dirname, '..', 'dist', 'cli', 'main.cjs');
const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file });
const bundle = { exports: {} };
script.runInThisContext()(bundle.exports, createRequire(file), bundle, file, dirname(file));

// The warm-up must not touch the developer's own config or print anything.
const home = mkdtempSync(join(tmpdir(), 'aish-build-'));
Object.assign(process.env, { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share') });
mkdirSync(join(home, '.config', 'aish'), { recursive: true });
writeFileSync(join(home, '.config', 'aish', 'config.yaml'), 'default_model: auto\nspecialists:\n  apollo:\n    description: Code analysis\n    capabilities: { scores: { code-analysis: 0.95 } }\n');
delete process.env.AISH_SERVER;
delete process.env.AISH_CONFIG;
process.stdout.write = () => true;
process.stderr.write = () => true;
process.exit = (status) => {
  writeFileSync(`${file}.cache`, script.createCachedData());
  rmSync(home, { recursive: true, force: true });
  process.reallyExit(status ?? 0);
};
bundle.exports.run([process.execPath, file, '-q', '-c', 'echo hi | apollo']);
