/**
 * Reading config.yaml (cli.md "Configuration"): every top-level section is
 * checked here, and what is given is returned as is; defaults and the
 * environment are applied afterwards by load-config.ts.
 */
import { idProblem, readModel, readSpecialistFields, SPECIALIST_FIELDS, type SpecialistPatch } from './specialist-entry.js';
import type { Entry, YamlSource } from './yaml-source.js';

/** The top-level keys of config.yaml. */
export const TOP_LEVEL_KEYS = ['providers', 'default_model', 'specialists', 'builtin_roster', 'server'] as const;

/** Settings of one provider as the file gives them; `api_key` is `''` when given empty. */
export interface ProviderFields {
  api_key?: string;
  base_url?: string;
}

/** What config.yaml says; every field is absent when the file does not give it. */
export interface FileSettings {
  providers: { anthropic?: ProviderFields; openai?: ProviderFields; ollama?: Omit<ProviderFields, 'api_key'> };
  default_model?: string;
  builtin_roster?: boolean;
  specialists: SpecialistPatch[];
  server: ServerFields;
}

/** `server:` settings (protocol.md "Errors, limits, security" gives their defaults). */
export interface ServerFields {
  host?: string;
  port?: number;
  rate_limit?: number;
  max_streams?: number;
  max_body?: number;
  token?: string;
}

const PROVIDER_FIELDS = { anthropic: ['api_key', 'base_url'], openai: ['api_key', 'base_url'], ollama: ['base_url'] } as const;

const SERVER_NUMBERS = {
  port: { min: 0, max: 65535, integer: true, description: 'a whole number from 0 to 65535' },
  rate_limit: { min: 0, integer: true, description: 'a whole number of requests per minute, 0 or more' },
  max_streams: { min: 1, integer: true, description: 'a whole number, 1 or more' },
  max_body: { min: 1, integer: true, description: 'a whole number of bytes, 1 or more' },
} as const;

/** Reads and checks the whole file; problems go to `source.problems`. */
export function readConfigFile(source: YamlSource): FileSettings {
  const settings: FileSettings = { providers: {}, specialists: [], server: {} };
  const root = source.parse();
  if (root === undefined) return settings;
  const entries = source.entries(root, '');
  for (const entry of source.knownEntries(entries ?? [], TOP_LEVEL_KEYS)) {
    switch (entry.name) {
      case 'providers':
        readProviders(source, entry, settings);
        break;
      case 'default_model':
        settings.default_model = readModel(source, entry);
        break;
      case 'builtin_roster':
        settings.builtin_roster = source.boolean(entry.value, entry.key, entry.keyNode);
        break;
      case 'specialists':
        settings.specialists = readSpecialists(source, entry);
        break;
      case 'server':
        settings.server = readServer(source, entry);
        break;
    }
  }
  return settings;
}

/** The problem with `url` as a provider base URL, if any. */
export function baseUrlProblem(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return undefined;
  } catch {
    // Reported below, with the value, like any other bad value.
  }
  return `expected an http:// or https:// URL, got ${JSON.stringify(url)}`;
}

/** Providers append their paths (`/chat/completions` …), so a trailing slash would double up. */
export function trimTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

function readProviders(source: YamlSource, entry: Entry, settings: FileSettings): void {
  const providers = source.entries(entry.value, entry.key, entry.keyNode) ?? [];
  for (const provider of source.knownEntries(providers, Object.keys(PROVIDER_FIELDS), 'unknown provider')) {
    const id = provider.name as keyof typeof PROVIDER_FIELDS;
    const fields: ProviderFields = {};
    for (const field of source.knownEntries(source.entries(provider.value, provider.key, provider.keyNode) ?? [], PROVIDER_FIELDS[id])) {
      const value = source.string(field.value, field.key, field.keyNode);
      if (field.name === 'api_key') fields.api_key = value ?? '';
      else if (value !== undefined) fields.base_url = readBaseUrl(source, field, value);
    }
    settings.providers[id] = fields;
  }
}

function readBaseUrl(source: YamlSource, field: Entry, url: string): string | undefined {
  const problem = baseUrlProblem(url);
  if (problem === undefined) return trimTrailingSlashes(url);
  source.report(field.key, problem, field.value, field.keyNode);
  return undefined;
}


function readSpecialists(source: YamlSource, entry: Entry): SpecialistPatch[] {
  const patches: SpecialistPatch[] = [];
  for (const specialist of source.entries(entry.value, entry.key, entry.keyNode) ?? []) {
    const problem = idProblem(specialist.name);
    if (problem !== undefined) {
      source.report(specialist.key, problem, specialist.keyNode);
      continue;
    }
    const patch: SpecialistPatch = { id: specialist.name, place: { file: source.file, line: source.lineOf(specialist.keyNode), key: specialist.key } };
    const fields = source.entries(specialist.value, specialist.key, specialist.keyNode) ?? [];
    readSpecialistFields(source, source.knownEntries(fields, SPECIALIST_FIELDS), patch);
    patches.push(patch);
  }
  return patches;
}

function readServer(source: YamlSource, entry: Entry): ServerFields {
  const server: ServerFields = {};
  const fields = source.entries(entry.value, entry.key, entry.keyNode) ?? [];
  for (const field of source.knownEntries(fields, ['host', 'port', 'rate_limit', 'max_streams', 'max_body', 'token'])) {
    if (field.name === 'host' || field.name === 'token') {
      const value = source.string(field.value, field.key, field.keyNode);
      if (value !== undefined) server[field.name] = value;
      continue;
    }
    const name = field.name as keyof typeof SERVER_NUMBERS;
    const value = source.number(field.value, field.key, SERVER_NUMBERS[name], field.keyNode);
    if (value !== undefined) server[name] = value;
  }
  return server;
}
