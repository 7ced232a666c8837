/**
 * `sessions [list|show ID|rm ID|export ID|import FILE|-] [--json] [--force]`:
 * manage the conversations the service keeps. `export` prints JSON with every
 * message; `import` restores one and refuses an existing id without --force.
 */
import { exitStatusFor, readTextFile, toAishError, type SessionExport } from '../protocol/index.js';
import type { ExecContext } from './context.js';
import { describeErrno } from './redirects.js';
import { readSource } from './streams.js';

/** A session export may hold a long conversation: more room than a script or a config gets. */
const SESSION_IMPORT_LIMIT = 64 * 1024 * 1024;

export interface BuiltinWriters {
  write(text: string): Promise<void>;
  fail(message: string): Promise<number>;
}

export async function sessionsBuiltin(args: string[], io: BuiltinWriters, context: ExecContext): Promise<number> {
  const json = args.includes('--json');
  const force = args.includes('--force');
  const [command = 'list', target] = args.filter((arg) => arg !== '--json' && arg !== '--force');
  const specialists = context.specialists;
  try {
    switch (command) {
      case 'list': {
        const sessions = await specialists.listSessions();
        if (json) return write(io, { sessions, total: sessions.length });
        const current = context.host.currentSession();
        const rows = sessions.map((s) => [s.id === current ? '*' : ' ', s.id, s.name ?? '-', s.specialist_id, String(s.message_count), s.last_activity]);
        await io.write(table([[' ', 'ID', 'NAME', 'SPECIALIST', 'MESSAGES', 'LAST ACTIVITY'], ...rows]));
        return 0;
      }
      case 'show': {
        if (!target) return io.fail('sessions show: which session? (an id or a name)');
        const session = await specialists.getSession(target);
        if (json) return write(io, session);
        let text = `${session.id}${session.name ? ` (${session.name})` : ''} with ${session.specialist_id}, ${session.message_count} messages, context window ${session.context_window}\n`;
        for (const message of session.messages) text += `\n${message.role === 'user' ? 'you' : (message.specialist_id ?? session.specialist_id)}: ${message.content}${message.content.endsWith('\n') ? '' : '\n'}`;
        await io.write(text);
        return 0;
      }
      case 'rm': {
        if (!target) return io.fail('sessions rm: which session? (an id or a name)');
        const deleted = await specialists.deleteSession(target);
        if (json) return write(io, deleted);
        return 0;
      }
      case 'export': {
        if (!target) return io.fail('sessions export: which session? (an id or a name)');
        const { messages, ...session } = await specialists.getSession(target);
        const data: SessionExport = { format: 'aish-session', version: 1, session, messages };
        return write(io, data);
      }
      case 'import': {
        if (!target) return io.fail('sessions import: a file to read, or - for stdin');
        let text: string;
        try {
          text = target === '-' ? ((await readSource({ kind: 'stdin' }, context.stdin)) ?? '') : readTextFile(target, SESSION_IMPORT_LIMIT);
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
      default:
        return io.fail(`sessions: unknown command '${command}' (list, show, rm, export, import)`);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return io.fail(`sessions: ${target}: No such file or directory`);
    const failure = toAishError(error);
    await io.fail(`sessions: ${failure.message}`);
    return exitStatusFor(failure.code);
  }
}

async function write(io: BuiltinWriters, value: unknown): Promise<number> {
  await io.write(JSON.stringify(value, null, 2) + '\n');
  return 0;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ') + '\n').join('');
}
