/**
 * One specialist's settings as a file gives them (a `specialists.<id>` entry of
 * config.yaml, or a Markdown file's front matter): only the fields given, each
 * checked, with the places needed to report later problems (an unknown
 * fallback, an alias already taken).
 */
import { modelReferenceProblem } from './model-reference.js';
import type { Entry, Item, YamlSource } from './yaml-source.js';

/** Specialist ids, aliases and capability names: what the shell lets you type bare. */
export const NAME_PATTERN = /^[a-z][a-z0-9_-]*$/;

/** How {@link NAME_PATTERN} reads in messages. */
export const NAME_RULE = 'a lowercase letter, then lowercase letters, digits, - or _';

/** The fields a specialist entry may have in config.yaml. */
export const SPECIALIST_FIELDS = ['name', 'aliases', 'description', 'system', 'model', 'capabilities', 'fallback', 'tools'] as const;

/** Where something was written: the file, its line, and its dotted key. */
export interface Place {
  file: string;
  line?: number;
  key?: string;
}

/** The fields one file gives for one specialist; absent fields leave the roster's value. */
export interface SpecialistPatch {
  id: string;
  /** Where the specialist is named: its `specialists.<id>` key, or its Markdown file. */
  place: Place;
  name?: string;
  aliases?: Item[];
  description?: string;
  system?: string;
  model?: string;
  primary?: string[];
  /** Merged key by key into the roster's scores. */
  scores?: Record<string, number>;
  fallback?: Item[];
  /** Tool patterns (`SERVER.TOOL`, `SERVER.*`); whether each server exists is checked once `mcp_servers:` is read. */
  tools?: Item[];
}

/** Reads the fields of `entries` (already limited to known names) into `patch`. */
export function readSpecialistFields(source: YamlSource, entries: Entry[], patch: SpecialistPatch): void {
  for (const entry of entries) {
    switch (entry.name) {
      case 'name':
      case 'description':
      case 'system':
        assign(patch, entry.name, source.string(entry.value, entry.key, entry.keyNode));
        break;
      case 'model':
        assign(patch, 'model', readModel(source, entry));
        break;
      case 'aliases':
        assign(patch, 'aliases', readNames(source, entry, 'an alias'));
        break;
      case 'fallback':
        // Whether each id exists is known only once every file is merged (roster-merge.ts).
        assign(patch, 'fallback', source.items(entry.value, entry.key, entry.keyNode));
        break;
      case 'capabilities':
        readCapabilities(source, entry, patch);
        break;
      case 'tools':
        assign(patch, 'tools', readToolPatterns(source, entry));
        break;
    }
  }
}

/** The problem with `id` as a specialist id, if any. */
export function idProblem(id: string): string | undefined {
  return NAME_PATTERN.test(id) ? undefined : `${JSON.stringify(id)} is not a valid specialist id (${NAME_RULE})`;
}

function assign<K extends keyof SpecialistPatch>(patch: SpecialistPatch, field: K, value: SpecialistPatch[K] | undefined): void {
  if (value !== undefined) patch[field] = value;
}

/** A model reference (`provider/model`, `echo…`, `auto`); a bad one is reported. */
export function readModel(source: YamlSource, entry: Entry): string | undefined {
  const model = source.string(entry.value, entry.key, entry.keyNode);
  if (model === undefined) return undefined;
  const problem = modelReferenceProblem(model);
  if (problem === undefined) return model;
  source.report(entry.key, problem, entry.value, entry.keyNode);
  return undefined;
}

/** A list of names that must match {@link NAME_PATTERN}; bad ones are reported and left out. */
function readNames(source: YamlSource, entry: Entry, what: string): Item[] | undefined {
  return source.items(entry.value, entry.key, entry.keyNode)?.filter((item) => {
    if (NAME_PATTERN.test(item.value)) return true;
    source.problems.push({ file: source.file, line: item.line, key: item.key, message: `${JSON.stringify(item.value)} is not valid as ${what} (${NAME_RULE})` });
    return false;
  });
}

function readCapabilities(source: YamlSource, entry: Entry, patch: SpecialistPatch): void {
  const entries = source.entries(entry.value, entry.key, entry.keyNode);
  if (!entries) return;
  for (const field of source.knownEntries(entries, ['primary', 'scores'])) {
    if (field.name === 'primary') {
      const names = readNames(source, field, 'a capability name');
      if (names) patch.primary = names.map((item) => item.value);
      continue;
    }
    const scores = source.entries(field.value, field.key, field.keyNode);
    for (const score of scores ?? []) {
      if (!NAME_PATTERN.test(score.name)) {
        source.report(score.key, `not a valid capability name (${NAME_RULE})`, score.keyNode);
        continue;
      }
      const value = source.number(score.value, score.key, { min: 0, max: 1, description: 'a number from 0 to 1' }, score.keyNode);
      if (value !== undefined) (patch.scores ??= {})[score.name] = value;
    }
  }
}

/** `SERVER.TOOL` or `SERVER.*`. */
export const TOOL_PATTERN = /^([A-Za-z0-9_-]+)\.(\*|[^\s*]+)$/;

/** `tools: [files.read_text_file, docs.*]`: bad patterns are reported and left out. */
function readToolPatterns(source: YamlSource, entry: Entry): Item[] | undefined {
  return source.items(entry.value, entry.key, entry.keyNode)?.filter((item) => {
    if (TOOL_PATTERN.test(item.value)) return true;
    source.problems.push({ file: source.file, line: item.line, key: item.key, message: `${JSON.stringify(item.value)} is not a tool pattern (SERVER.TOOL, or SERVER.* for all of a server's tools)` });
    return false;
  });
}
