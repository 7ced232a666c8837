/**
 * Merging specialist settings into a roster (docs/cli.md "Configuration"): by id,
 * the fields given override, capability scores merge key by key, and new ids
 * are added after the existing ones in the order they are given.
 */
import type { ConfigProblem } from './config-error.js';
import { suggestion } from './did-you-mean.js';
import type { SpecialistDefinition } from './roster.js';
import type { Place, SpecialistPatch } from './specialist-entry.js';
import type { Item } from './yaml-source.js';

/** How many capabilities a new specialist lists as primary when its file does not say. */
const DEFAULT_PRIMARY_COUNT = 3;

/** A specialist being merged, with what is needed to finish and check it. */
interface Draft {
  definition: SpecialistDefinition;
  /** Not in the base roster: defaults still to fill once every file is merged. */
  added: boolean;
  systemGiven: boolean;
  primaryGiven: boolean;
  place?: Place;
  aliases?: { file: string; items: Item[] };
  fallback?: { file: string; items: Item[] };
}

/**
 * Applies `patches` in order to a copy of `base` and returns the roster. Problems
 * found only once everything is merged (a fallback naming no specialist, a name
 * claimed twice) are appended to `problems`.
 */
export function mergeRoster(base: readonly SpecialistDefinition[], patches: readonly SpecialistPatch[], problems: ConfigProblem[]): SpecialistDefinition[] {
  const drafts = new Map<string, Draft>();
  for (const definition of base) drafts.set(definition.id, { definition: copy(definition), added: false, systemGiven: true, primaryGiven: true });
  for (const patch of patches) {
    let draft = drafts.get(patch.id);
    if (!draft) drafts.set(patch.id, (draft = newDraft(patch.id)));
    apply(draft, patch);
  }
  for (const draft of drafts.values()) if (draft.added) fillDefaults(draft);
  checkFallbacks(drafts, problems);
  checkNames(drafts, problems);
  return [...drafts.values()].map((draft) => draft.definition);
}

/** The prompt of a specialist whose files give none. */
export function genericSystemPrompt(name: string, description: string): string {
  const role = description.trim().replace(/\.+$/, '');
  return `You are ${name}, an aish specialist.${role ? ` Your role: ${role}.` : ''} Answer plainly; your output may be piped into other programs.`;
}

function copy(definition: SpecialistDefinition): SpecialistDefinition {
  return {
    ...definition,
    aliases: [...definition.aliases],
    capabilities: { primary: [...definition.capabilities.primary], scores: { ...definition.capabilities.scores } },
    fallback: [...definition.fallback],
    ...(definition.tools && { tools: [...definition.tools] }),
  };
}

function newDraft(id: string): Draft {
  const definition: SpecialistDefinition = {
    id,
    name: id.charAt(0).toUpperCase() + id.slice(1),
    aliases: [`${id}-ai`],
    description: '',
    system: '',
    model: 'auto',
    capabilities: { primary: [], scores: {} },
    fallback: [],
  };
  return { definition, added: true, systemGiven: false, primaryGiven: false };
}

function apply(draft: Draft, patch: SpecialistPatch): void {
  const definition = draft.definition;
  // The first file that names a new specialist is where its id is reported.
  draft.place ??= patch.place;
  if (patch.name !== undefined) definition.name = patch.name;
  if (patch.description !== undefined) definition.description = patch.description;
  if (patch.model !== undefined) definition.model = patch.model;
  if (patch.system !== undefined) [definition.system, draft.systemGiven] = [patch.system, true];
  if (patch.primary !== undefined) [definition.capabilities.primary, draft.primaryGiven] = [[...patch.primary], true];
  if (patch.scores !== undefined) Object.assign(definition.capabilities.scores, patch.scores);
  if (patch.aliases !== undefined) {
    definition.aliases = patch.aliases.map((item) => item.value);
    draft.aliases = { file: patch.place.file, items: patch.aliases };
  }
  if (patch.fallback !== undefined) {
    definition.fallback = patch.fallback.map((item) => item.value);
    draft.fallback = { file: patch.place.file, items: patch.fallback };
  }
  if (patch.tools !== undefined) definition.tools = patch.tools.map((item) => item.value);
}

function fillDefaults(draft: Draft): void {
  const definition = draft.definition;
  if (!draft.systemGiven) definition.system = genericSystemPrompt(definition.name, definition.description);
  if (!draft.primaryGiven) {
    const scores = Object.entries(definition.capabilities.scores);
    // A stable sort keeps file order between equal scores.
    scores.sort((a, b) => b[1] - a[1]);
    definition.capabilities.primary = scores.slice(0, DEFAULT_PRIMARY_COUNT).map(([capability]) => capability);
  }
}

function checkFallbacks(drafts: Map<string, Draft>, problems: ConfigProblem[]): void {
  const ids = [...drafts.keys()];
  const aliasOwners = new Map<string, string>();
  for (const draft of drafts.values()) {
    for (const alias of draft.definition.aliases) if (!aliasOwners.has(alias)) aliasOwners.set(alias, draft.definition.id);
  }
  for (const draft of drafts.values()) {
    for (const item of draft.fallback?.items ?? []) {
      const problem = (message: string): number => problems.push({ file: draft.fallback!.file, line: item.line, key: item.key, message });
      const owner = aliasOwners.get(item.value);
      if (item.value === draft.definition.id) problem('a specialist cannot fall back to itself');
      else if (drafts.has(item.value)) continue;
      else if (owner !== undefined) problem(`${JSON.stringify(item.value)} is an alias; fallback names specialist ids (write "${owner}")`);
      else problem(`no specialist ${JSON.stringify(item.value)}${suggestion(item.value, ids)}`);
    }
  }
}

/** Ids and aliases are typed bare in the shell, so each may belong to one specialist only. */
function checkNames(drafts: Map<string, Draft>, problems: ConfigProblem[]): void {
  type Claim = { id: string; isAlias: boolean; place: Place | undefined };
  const claims = new Map<string, Claim>();
  const role = (claim: Claim): string => (claim.isAlias ? `an alias of ${claim.id}` : 'the id of a specialist');
  const claim = (name: string, current: Claim): void => {
    const earlier = claims.get(name);
    if (!earlier) claims.set(name, current);
    else if (earlier.id !== current.id) {
      // Built-in specialists have no place; the clash is then reported where the file's name is.
      const place = current.place ?? earlier.place;
      if (place) problems.push({ ...place, message: `${JSON.stringify(name)} is both ${role(earlier)} and ${role(current)}` });
    }
  };
  for (const draft of drafts.values()) claim(draft.definition.id, { id: draft.definition.id, isAlias: false, place: draft.place });
  for (const draft of drafts.values()) {
    draft.definition.aliases.forEach((alias, index) => {
      const item = draft.aliases?.items[index];
      const place = item && draft.aliases ? { file: draft.aliases.file, line: item.line, key: item.key } : draft.place;
      claim(alias, { id: draft.definition.id, isAlias: true, place });
    });
  }
}
