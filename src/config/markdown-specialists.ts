/**
 * Specialists as Markdown files: each `*.md` in the specialists folder is one
 * specialist. YAML front matter between `---` lines gives its settings (as a
 * `specialists.<id>` entry would, plus `id`), and the body is its system prompt,
 * so a long prompt can be written and versioned as prose.
 */
// Synchronous reads: specialist files are small, and node:fs/promises costs start-up time.
import { readdirSync, statSync } from 'node:fs';
import { readTextFile } from '../protocol/index.js';
import { basename, join } from 'node:path';
import type { ConfigProblem } from './config-error.js';
import type { Env } from './paths.js';
import { idProblem, readSpecialistFields, SPECIALIST_FIELDS, type SpecialistPatch } from './specialist-entry.js';
import { loadYamlParser, YamlSource, type Entry } from './yaml-source.js';

/** The front matter keys of a Markdown specialist (its prompt is the body, not a key). */
export const MARKDOWN_FIELDS = ['id', ...SPECIALIST_FIELDS.filter((field) => field !== 'system')] as const;

/**
 * Reads every `*.md` file of `folder`, in file name order, as one specialist
 * each. A missing folder holds no specialists; problems go to `problems`.
 */
export async function readMarkdownSpecialists(folder: string, env: Env, problems: ConfigProblem[]): Promise<SpecialistPatch[]> {
  const names = await markdownFiles(folder, problems);
  if (names.length > 0) await loadYamlParser();
  const patches: SpecialistPatch[] = [];
  const definedBy = new Map<string, string>();
  for (const name of names) {
    const file = join(folder, name);
    let text: string;
    try {
      text = readTextFile(file);
    } catch (error) {
      problems.push({ file, message: `cannot read this specialist file: ${(error as Error).message}` });
      continue;
    }
    const patch = parseMarkdownSpecialist(file, text, env, problems);
    if (!patch) continue;
    const earlier = definedBy.get(patch.id);
    if (earlier !== undefined) {
      // Two files for one id is a copy left behind, not an override: say so.
      problems.push({ ...patch.place, message: `the specialist "${patch.id}" is already defined by ${basename(earlier)}` });
      continue;
    }
    definedBy.set(patch.id, file);
    patches.push(patch);
  }
  return patches;
}

/** One Markdown specialist: front matter settings and the trimmed body as system prompt. */
export function parseMarkdownSpecialist(file: string, text: string, env: Env, problems: ConfigProblem[]): SpecialistPatch | undefined {
  const parts = splitFrontMatter(text.replace(/^\uFEFF/, ''));
  if (!parts) {
    problems.push({ file, line: 1, message: 'the front matter opened by "---" is not closed by a "---" line' });
    return undefined;
  }
  const source = new YamlSource(file, parts.frontMatter, env, problems, 2);
  const root = parts.frontMatter.trim() === '' ? null : source.parse();
  if (root === undefined) return undefined;
  const entries = source.entries(root, '');
  if (!entries) return undefined;
  for (const entry of entries) {
    if (entry.name === 'system') source.report(entry.key, "a Markdown specialist's system prompt is the text after the front matter, not a key", entry.keyNode);
  }
  const known = source.knownEntries(
    entries.filter((entry) => entry.name !== 'system'),
    MARKDOWN_FIELDS,
  );
  const patch = readIdentity(source, file, known);
  if (!patch) return undefined;
  readSpecialistFields(source, known.filter((entry) => entry.name !== 'id'), patch);
  if (parts.body !== '') patch.system = parts.body;
  return patch;
}

/** The patch, named by `id:` or else by the file name; `undefined` when neither is a valid id. */
function readIdentity(source: YamlSource, file: string, entries: Entry[]): SpecialistPatch | undefined {
  const idEntry = entries.find((entry) => entry.name === 'id');
  if (idEntry) {
    const id = source.string(idEntry.value, idEntry.key, idEntry.keyNode);
    const problem = id === undefined ? 'expected a specialist id, got nothing' : idProblem(id);
    if (problem !== undefined) {
      source.report(idEntry.key, problem, idEntry.value, idEntry.keyNode);
      return undefined;
    }
    return { id: id!, place: { file, line: source.lineOf(idEntry.keyNode), key: 'id' } };
  }
  const id = basename(file, '.md');
  if (idProblem(id) === undefined) return { id, place: { file } };
  source.problems.push({ file, key: 'id', message: `the file name gives the id ${JSON.stringify(id)}, which is not a valid specialist id; rename the file or set id: in the front matter` });
  return undefined;
}

/** Front matter (without its `---` lines) and trimmed body; `undefined` when it is not closed. */
function splitFrontMatter(text: string): { frontMatter: string; body: string } | undefined {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trimEnd() !== '---') return { frontMatter: '', body: text.trim() };
  const end = lines.findIndex((line, index) => index > 0 && (line.trimEnd() === '---' || line.trimEnd() === '...'));
  if (end < 0) return undefined;
  return { frontMatter: lines.slice(1, end).join('\n'), body: lines.slice(end + 1).join('\n').trim() };
}

async function markdownFiles(folder: string, problems: ConfigProblem[]): Promise<string[]> {
  // Most configs have no specialists folder: finding that out without a thrown error is cheaper.
  if (statSync(folder, { throwIfNoEntry: false }) === undefined) return [];
  try {
    const entries = readdirSync(folder, { withFileTypes: true });
    return entries
      .filter((entry) => entry.name.endsWith('.md') && (entry.isFile() || entry.isSymbolicLink()))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    problems.push({ file: folder, message: `cannot read the specialists folder: ${(error as Error).message}` });
    return [];
  }
}
