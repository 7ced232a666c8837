/**
 * Imports run the way the module table allows (tests/architecture/modules.json,
 * shown in docs/contributing.md). Every `import`, `export … from` and dynamic
 * `import()` in src/ is read with TypeScript's own pre-processor, each file is
 * mapped to its module (its folder under src/), and an import between two
 * modules must be in the table or among its recorded exceptions.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

interface ModuleRules {
  mayImport: Record<string, string[] | '*'>;
  exceptions: { from: string; to: string; why: string }[];
}

const RULES = JSON.parse(readFileSync(join(import.meta.dirname, 'modules.json'), 'utf8')) as ModuleRules;

/** One import found in a source file. */
interface ImportEdge {
  file: string;
  specifier: string;
}

/** Every `.ts` file under `folder`. */
function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The relative imports of one file (packages and `node:` modules are not ours). */
function importsOf(file: string): ImportEdge[] {
  const found = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles;
  return found.filter((entry) => entry.fileName.startsWith('.')).map((entry) => ({ file, specifier: entry.fileName }));
}

/** The module a path under src/ belongs to, or undefined for a path outside any module. */
function moduleOf(path: string): string | undefined {
  const parts = relative(SRC, path).split(sep);
  return parts.length > 1 && parts[0] !== '..' ? parts[0] : undefined;
}

/** Whether the table (or a recorded exception) lets `from` import `to`. */
function allowed(from: string, to: string): boolean {
  if (from === to) return true;
  const rule = RULES.mayImport[from];
  if (rule === '*') return true;
  if (rule?.includes(to)) return true;
  return RULES.exceptions.some((exception) => exception.from === from && exception.to === to);
}

/** Each import that crosses modules against the table, as `file → specifier (from → to)`. */
function violations(edges: ImportEdge[]): string[] {
  const found: string[] = [];
  for (const { file, specifier } of edges) {
    const from = moduleOf(file);
    const to = moduleOf(resolve(dirname(file), specifier));
    const where = `${relative(ROOT, file)} → ${specifier}`;
    if (from === undefined || to === undefined) found.push(`${where} (outside the modules of src/)`);
    else if (!(from in RULES.mayImport)) found.push(`${where} (${from} is not in the module table)`);
    else if (!allowed(from, to)) found.push(`${where} (${from} may not import ${to})`);
  }
  return found;
}

describe('imports between modules follow the module table', () => {
  const edges = sourceFiles(SRC).flatMap(importsOf);

  it('finds the imports of src/, static, re-exported and dynamic', () => {
    expect(edges.length).toBeGreaterThan(200);
    expect(edges.some((edge) => edge.specifier.includes('/language-model.js') && moduleOf(edge.file) === 'providers')).toBe(true);
  });

  it('no import in src/ crosses modules against the table', () => {
    expect(violations(edges)).toEqual([]);
  });

  it('every folder under src/ is a module in the table', () => {
    const folders = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory());
    expect(folders.filter((folder) => !(folder in RULES.mayImport))).toEqual([]);
  });

  it('the checker refuses an import the table forbids', () => {
    const file = join(SRC, 'store', 'example.ts');
    expect(violations([{ file, specifier: '../cli/main.js' }])).toEqual(['src/store/example.ts → ../cli/main.js (store may not import cli)']);
    expect(violations([{ file, specifier: './sqlite.js' }])).toEqual([]);
  });
});

describe('the module table keeps its shape', () => {
  const modules = Object.keys(RULES.mayImport);

  it('nothing may import cli', () => {
    expect(modules.filter((name) => name !== 'cli' && allowed(name, 'cli'))).toEqual([]);
  });

  it('server and client never import each other', () => {
    expect([allowed('server', 'client'), allowed('client', 'server')]).toEqual([false, false]);
  });

  it('diag, protocol, store and render import nothing of ours', () => {
    const leaves = ['diag', 'protocol', 'store', 'render'];
    expect(leaves.filter((leaf) => modules.some((other) => other !== leaf && allowed(leaf, other)))).toEqual([]);
  });

  it('docs/contributing.md shows the same table, exceptions included', () => {
    const guide = readFileSync(join(ROOT, 'docs', 'contributing.md'), 'utf8');
    const shown: Record<string, string[] | '*'> = {};
    for (const [, name, cell] of guide.matchAll(/^\| `src\/([a-z]+)` \|[^|]*\| ([^|]*) \|$/gm)) {
      shown[name!] = cell!.trim() === 'everything' ? '*' : modules.filter((module) => new RegExp(`\\b${module}\\b`).test(cell!));
    }
    const expected = Object.fromEntries(
      modules.map((name) => {
        const rule = RULES.mayImport[name]!;
        if (rule === '*') return [name, '*'];
        const extra = RULES.exceptions.filter((exception) => exception.from === name).map((exception) => exception.to);
        return [name, modules.filter((module) => rule.includes(module) || extra.includes(module))];
      }),
    );
    expect(shown).toEqual(expected);
  });

  it('every exception says why, and names modules of the table', () => {
    for (const exception of RULES.exceptions) {
      expect(modules).toContain(exception.from);
      expect(modules).toContain(exception.to);
      expect(exception.why.length).toBeGreaterThan(40);
    }
  });
});
