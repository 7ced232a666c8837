/**
 * The documentation in docs/ keeps up with the code: every flag `aish --help`
 * (and each subcommand's help) shows, every AI stage flag, every route the
 * server answers, every JSON-RPC method and error code, and every config key
 * is named on its page. The lists come from the program itself (its help
 * output, its route table, its descriptors), never from a copy kept here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOP_LEVEL_KEYS } from '../../src/config/config-file.js';
import { loadConfig } from '../../src/config/index.js';
import { ERROR_TABLE, PROVIDERS, providerConfigFields, RPC_METHODS, RPC_NOTIFICATIONS, type ProviderDescriptor, type ProviderId } from '../../src/protocol/index.js';
import { appRoutes, WEBSOCKET_ENDPOINT } from '../../src/server/index.js';
import { AISH, tempHome, testEnv } from '../support/aish.js';
import { embeddedService } from '../support/server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const page = (name: string): string => readFileSync(join(ROOT, 'docs', name), 'utf8');

/** Whether `text` names `flag` as a whole token (`--json` is not found inside `--json-x`). */
function mentions(text: string, flag: string): boolean {
  const escaped = flag.replace(/[-]/g, '\\-');
  return new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`).test(text);
}

/** Every file under `folder`. */
function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : [path];
  });
}

/** What `bin/aish ARGS` prints, stdout and stderr together, whatever its status. */
function aishOutput(args: string[]): string {
  try {
    return execFileSync(AISH, args, { env: testEnv(tempHome()), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
  }
}

/** The subcommands listed under "Commands:" in the top-level help. */
function subcommands(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1]?.split(/^\S/m)[0] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((match) => match[1]!);
}

/** Long flags anywhere in a help text, and short flags written as `-x, --long`. */
function flagsIn(help: string): string[] {
  const long = [...help.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map((match) => match[0]);
  const short = [...help.matchAll(/(?<![\w-])(-[a-zA-Z]), --/g)].map((match) => match[1]!);
  return [...new Set([...long, ...short])];
}

/** A route pattern such as `^\/api\/v2\/ai\/(?<id>[^/]+)\/stream$` as `/api/v2/ai/{}/stream`. */
function routePath(pattern: RegExp): string {
  const path = pattern.source
    .replace(/^\^/, '')
    .replace(/\$$/, '')
    .replace(/\(\?<\w+>\[\^\/\]\+\)/g, '{}')
    .replace(/\\\//g, '/');
  // Anything regex-like left over would make the documented path a guess: fail loudly.
  if (/[()[\]*+?|\\^$]/.test(path)) throw new Error(`cannot read the route pattern ${pattern.source} as a path; teach routePath this form`);
  return path;
}

/** `METHOD /path` pairs written in a page, with `{…}` placeholders as `{}` and queries dropped. */
function documentedRoutes(text: string): Set<string> {
  const routes = new Set<string>();
  for (const match of text.matchAll(/\b((?:GET|POST|PUT|PATCH|DELETE)(?:\|(?:GET|POST|PUT|PATCH|DELETE))*) (\/[^\s`?|]*)/g)) {
    const path = match[2]!.replace(/\{[^}]*\}/g, '{}');
    for (const method of match[1]!.split('|')) routes.add(`${method} ${path}`);
  }
  return routes;
}

describe('docs/cli.md and docs/language.md name every flag, environment variable and config key the program has', () => {
  const topHelp = aishOutput(['--help']);

  it('the top-level help lists its subcommands, so each one is checked', () => {
    expect(subcommands(topHelp)).toEqual(expect.arrayContaining(['ais', 'sessions', 'history', 'chat', 'serve', 'completion']));
  });

  it('every flag of aish --help and of each subcommand --help appears in docs/cli.md', () => {
    const cli = page('cli.md');
    const helps = [topHelp, ...subcommands(topHelp).map((command) => aishOutput([command, '--help']))];
    const flags = [...new Set(helps.flatMap(flagsIn))];
    expect(flags.length).toBeGreaterThan(20);
    expect(flags.filter((flag) => !mentions(cli, flag))).toEqual([]);
  });

  it('every AI stage flag the help builtin shows appears in docs/language.md', () => {
    const line = aishOutput(['-c', 'help'])
      .split('\n')
      .find((text) => text.startsWith('AI stage flags:'));
    expect(line).toBeDefined();
    const flags = line!.slice('AI stage flags:'.length).trim().split(/\s+/);
    expect(flags).toContain('--session');
    const language = page('language.md');
    expect(flags.filter((flag) => !mentions(language, flag))).toEqual([]);
  });

  it('every AISH_* environment variable the source reads appears in docs/cli.md', () => {
    const cli = page('cli.md');
    const named = new Set(sourceFiles(join(ROOT, 'src')).flatMap((file) => readFileSync(file, 'utf8').match(/\bAISH_[A-Z_]+\b/g) ?? []));
    expect(named.size).toBeGreaterThan(5);
    expect([...named].filter((name) => !mentions(cli, name))).toEqual([]);
  });

  it('every top-level config key appears in docs/cli.md', () => {
    const cli = page('cli.md');
    expect(TOP_LEVEL_KEYS.filter((key) => !cli.includes(`\`${key}\``))).toEqual([]);
  });
});

describe('docs/protocol.md names everything the server answers', () => {
  const protocol = page('protocol.md');

  it('every HTTP route of the server and its WebSocket endpoint appear as METHOD /path', () => {
    const served = appRoutes({ service: embeddedService() }).map((route) => `${route.method} ${routePath(route.pattern)}`);
    served.push(`GET ${routePath(WEBSOCKET_ENDPOINT)}`);
    expect(served.length).toBeGreaterThan(10);
    const documented = documentedRoutes(protocol);
    expect(served.filter((route) => !documented.has(route))).toEqual([]);
  });

  it('every JSON-RPC method and notification appears', () => {
    const names = [...Object.values(RPC_METHODS), ...Object.values(RPC_NOTIFICATIONS)].map((descriptor) => descriptor.method);
    expect(names.filter((name) => !protocol.includes(`\`${name}`))).toEqual([]);
  });

  it('every error code appears with its HTTP status and JSON-RPC code', () => {
    const missing = Object.entries(ERROR_TABLE)
      .filter(([code, row]) => !new RegExp(`\\| \`${code}\` \\| ${row.http} \\| ${row.rpc} \\| ${row.exit} \\|`).test(protocol))
      .map(([code]) => code);
    expect(missing).toEqual([]);
  });
});

describe('the repository explains itself', () => {
  /** Every file under the folders a reader of a clone sees, plus README.md. */
  const files = (): string[] => [join(ROOT, 'README.md'), ...['docs', 'src', 'grammar'].flatMap((folder) => sourceFiles(join(ROOT, folder)))];

  it('no file in README.md, docs/, src/ or grammar/ points at ../shared or shared/spec', () => {
    const pointing = files().filter((file) => /\.\.\/shared|shared\/spec/.test(readFileSync(file, 'utf8')));
    expect(pointing.map((file) => file.slice(ROOT.length + 1))).toEqual([]);
  });

  it('every link between README.md and the pages of docs/ reaches a file and a heading that exist', () => {
    /** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as hyphens. */
    const slug = (heading: string): string =>
      heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-');
    const anchorsOf = (file: string): Set<string> =>
      new Set([...readFileSync(file, 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((match) => slug(match[1]!)));
    const pages = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => join(ROOT, 'docs', name))];
    const broken: string[] = [];
    for (const page of pages) {
      for (const [, target] of readFileSync(page, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [path, anchor] = target!.split('#');
        const file = path ? resolve(dirname(page), path) : page;
        const where = `${relative(ROOT, page)} → ${target}`;
        if (!existsSync(file)) broken.push(`${where} (no such file)`);
        else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).has(anchor)) broken.push(`${where} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('README.md links every page of docs/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const pages = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md'));
    expect(pages.filter((name) => !readme.includes(`](docs/${name})`))).toEqual([]);
  });
});

describe('provider base URLs in the README and docs/cli.md', () => {
  it("docs/cli.md's providers row names every provider of the table with the fields it takes", () => {
    const row = page('cli.md').split('\n').find((line) => line.startsWith('| `providers` |'));
    const missing = (PROVIDERS as readonly ProviderDescriptor[]).map((provider) => `\`${provider.id}: {${providerConfigFields(provider).join(', ')}}\``).filter((entry) => !row?.includes(entry));
    expect(missing).toEqual([]);
  });

  for (const name of ['README.md', 'docs/cli.md']) {
    it(`${name}'s config example gives every provider a base_url, and it loads`, async () => {
      const text = readFileSync(join(ROOT, name), 'utf8');
      const block = /```yaml\n(providers:\n[\s\S]*?)```/.exec(text)?.[1];
      expect(block).toBeDefined();
      const providers = PROVIDERS as readonly ProviderDescriptor[];
      for (const provider of providers) {
        expect({ provider: provider.id, named: new RegExp(`^  ${provider.id}:.*base_url: https?://`, 'm').test(block!) }).toEqual({ provider: provider.id, named: true });
      }
      const home = tempHome();
      const file = join(home, 'config.yaml');
      writeFileSync(file, block!);
      const keys = Object.fromEntries(providers.flatMap((provider) => (provider.keyVariable ? [[provider.keyVariable, 'k']] : [])));
      const config = await loadConfig({ env: { HOME: home, ...keys }, file, required: true });
      for (const provider of providers) expect(config.providers[provider.id as ProviderId]?.base_url).toMatch(/^https?:\/\//);
    });
  }
});
