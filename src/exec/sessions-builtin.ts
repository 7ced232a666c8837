/**
 * `sessions [VERB] [ARGS] [--json] [--force]`: manage the conversations the
 * service keeps. The verbs are one table (SESSION_VERBS) that the builtin,
 * its help and both completions (the REPL's and the shell scripts') read.
 */
import { exitStatusFor, readTextFile, toAishError, type SessionExport, type SessionSummary } from '../protocol/index.js';
import type { ExecContext } from './context.js';
import { describeErrno } from './redirects.js';
import { readSource } from './streams.js';

/** A session export may hold a long conversation: more room than a script or a config gets. */
const SESSION_IMPORT_LIMIT = 64 * 1024 * 1024;

export interface BuiltinWriters {
  write(text: string): Promise<void>;
  fail(message: string): Promise<number>;
}

/** What a verb's one argument is: a session (id or name), a file, or nothing. */
export type SessionVerbTarget = 'session' | 'file' | 'none';

/** One `sessions` verb: its name, other spellings, what it takes, and its help. */
export interface SessionVerb {
  name: string;
  aliases: readonly string[];
  target: SessionVerbTarget;
  /** The words after the verb, as help shows them. */
  usage: string;
  description: string;
}

export const SESSION_VERBS: readonly SessionVerb[] = [
  { name: 'list', aliases: ['ls'], target: 'none', usage: '[--json]', description: "list sessions (* marks this terminal's; EXPIRES says expired, never, or when)" },
  { name: 'show', aliases: [], target: 'session', usage: 'ID|NAME [--json]', description: 'show a session and its messages (expired ones too)' },
  { name: 'export', aliases: [], target: 'session', usage: 'ID|NAME', description: 'print a session and every message as JSON' },
  { name: 'import', aliases: [], target: 'file', usage: 'FILE|- [--force] [--json]', description: 'restore a session from an export (--force replaces an existing id)' },
  { name: 'renew', aliases: [], target: 'session', usage: 'ID|NAME [--ttl SECONDS] [--json]', description: 'give a session a fresh time to live (an expired one takes messages again)' },
  { name: 'rm', aliases: ['delete'], target: 'session', usage: 'ID|NAME [--json]', description: 'delete a session and its messages' },
  { name: 'help', aliases: [], target: 'none', usage: '[VERB]', description: 'show this help, or one verb\'s' },
];

/** The verb a word names (by name or alias). */
export function sessionVerb(word: string): SessionVerb | undefined {
  return SESSION_VERBS.find((verb) => verb.name === word || verb.aliases.includes(word));
}

const HELP_FLAGS = ['--help', '-h'];

export async function sessionsBuiltin(args: string[], io: BuiltinWriters, context: ExecContext): Promise<number> {
  const json = args.includes('--json');
  const force = args.includes('--force');
  const help = args.some((arg) => HELP_FLAGS.includes(arg));
  const words = withoutFlags(args);
  if (typeof words === 'string') return io.fail(`sessions: ${words}`);
  const { positional, ttl } = words;
  const [word = 'list', target] = positional;
  const verb = sessionVerb(word);
  if (!verb) return io.fail(`sessions: unknown command '${word}' (${SESSION_VERBS.map((v) => v.name).join(', ')}; see sessions --help)`);
  if (verb.name === 'help' || help) {
    const about = verb.name === 'help' ? (target === undefined ? undefined : sessionVerb(target)) : word === positional[0] ? verb : undefined;
    if (verb.name === 'help' && target !== undefined && !about) return io.fail(`sessions help: unknown command '${target}'`);
    await io.write(about ? verbHelp(about) : sessionsHelp());
    return 0;
  }
  if (verb.target !== 'none' && !target) {
    return io.fail(`sessions ${verb.name}: ${verb.target === 'file' ? 'a file to read, or - for stdin' : 'which session? (an id or a name)'}`);
  }
  if (ttl !== undefined && verb.name !== 'renew') return io.fail(`sessions ${verb.name}: --ttl goes with renew`);
  const specialists = context.specialists;
  try {
    switch (verb.name) {
      case 'list': {
        const sessions = await specialists.listSessions();
        if (json) return write(io, { sessions, total: sessions.length });
        await io.write(sessionTable(sessions, context.host.currentSession()));
        return 0;
      }
      case 'show': {
        const session = await specialists.getSession(target!);
        if (json) return write(io, session);
        const expired = session.expired ? `, expired ${session.expires_at}` : '';
        let text = `${session.id}${session.name ? ` (${session.name})` : ''} with ${session.specialist_id}, ${session.message_count} messages, context window ${session.context_window}${expired}\n`;
        for (const message of session.messages) text += `\n${message.role === 'user' ? 'you' : (message.specialist_id ?? session.specialist_id)}: ${message.content}${message.content.endsWith('\n') ? '' : '\n'}`;
        await io.write(text);
        if (session.expired) context.reporter.notice(`aish: session ${session.name ?? session.id} has expired: renew it with 'aish sessions renew ${session.name ?? session.id}' to send it messages again`);
        return 0;
      }
      case 'rm': {
        const deleted = await specialists.deleteSession(target!);
        if (json) return write(io, deleted);
        return 0;
      }
      case 'renew': {
        const renewed = await specialists.renewSession(target!, ttl === undefined ? {} : { ttl_s: ttl });
        if (json) return write(io, renewed);
        context.reporter.notice(`aish: session ${renewed.name ?? renewed.id} renewed: ${renewed.expires_at === null ? 'it never expires' : `it expires ${renewed.expires_at}`}`);
        return 0;
      }
      case 'export': {
        const { messages, ...session } = await specialists.getSession(target!);
        const data: SessionExport = { format: 'aish-session', version: 1, session, messages };
        return write(io, data);
      }
      default: {
        let text: string;
        try {
          text = target === '-' ? ((await readSource({ kind: 'stdin' }, context.stdin)) ?? '') : readTextFile(target!, SESSION_IMPORT_LIMIT);
        } catch (error) {
          return io.fail(`sessions import: ${target}: ${describeErrno(error)}`);
        }
        let data: unknown;
        try {
          data = JSON.parse(text);
        } catch (error) {
          return io.fail(`sessions import: ${target === '-' ? 'stdin' : target} is not JSON (${(error as Error).message})`);
        }
        const imported = await specialists.importSession(data, { force });
        if (json) return write(io, imported);
        context.reporter.notice(`aish: imported session ${imported.id} (${imported.message_count} messages)`);
        return 0;
      }
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return io.fail(`sessions: ${target}: No such file or directory`);
    const failure = toAishError(error);
    await io.fail(`sessions: ${failure.message}`);
    return exitStatusFor(failure.code);
  }
}

/** The words that are not flags, and `--ttl`'s value; a string says what is wrong. */
function withoutFlags(args: string[]): { positional: string[]; ttl?: number } | string {
  const positional: string[] = [];
  let ttl: number | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--json' || arg === '--force' || HELP_FLAGS.includes(arg)) continue;
    if (arg === '--ttl' || arg.startsWith('--ttl=')) {
      const value = arg === '--ttl' ? args[++index] : arg.slice('--ttl='.length);
      ttl = Number(value);
      if (value === undefined || value === '' || !Number.isInteger(ttl) || ttl < 0) return `--ttl needs a whole number of seconds (0 for never), not '${value ?? ''}'`;
      continue;
    }
    positional.push(arg);
  }
  return ttl === undefined ? { positional } : { positional, ttl };
}

function sessionTable(sessions: SessionSummary[], current: string | undefined): string {
  const rows = sessions.map((s) => [
    s.id === current ? '*' : ' ',
    s.id,
    s.name ?? '-',
    s.specialist_id,
    String(s.message_count),
    s.last_activity,
    s.expired ? 'expired' : (s.expires_at ?? 'never'),
  ]);
  return table([[' ', 'ID', 'NAME', 'SPECIALIST', 'MESSAGES', 'LAST ACTIVITY', 'EXPIRES'], ...rows]);
}

function sessionsHelp(): string {
  const width = Math.max(...SESSION_VERBS.map((verb) => verbLine(verb).length));
  const lines = SESSION_VERBS.map((verb) => `  ${verbLine(verb).padEnd(width)}  ${verb.description}`);
  return [
    'Usage: sessions [VERB] [ARGS] [--json]   (aish sessions … from the command line)',
    '',
    'Manage the conversations the service keeps (with --server, the server\'s). No verb lists them.',
    '',
    ...lines,
    '',
    'Every verb answers --help. An expired session keeps its messages: show, export and rm work,',
    'and renew lets it take messages again.',
    '',
  ].join('\n');
}

function verbHelp(verb: SessionVerb): string {
  const aliases = verb.aliases.length > 0 ? `\nAlso spelled: ${verb.aliases.map((alias) => `sessions ${alias}`).join(', ')}\n` : '';
  return `Usage: sessions ${verbLine(verb)}\n\n${verb.description}\n${aliases}`;
}

function verbLine(verb: SessionVerb): string {
  return `${verb.name} ${verb.usage}`.trimEnd();
}

async function write(io: BuiltinWriters, value: unknown): Promise<number> {
  await io.write(JSON.stringify(value, null, 2) + '\n');
  return 0;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ') + '\n').join('');
}
