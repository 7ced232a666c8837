/**
 * The builtins (docs/language.md "Stages"): one table of name, help line and
 * how it runs. The planner resolves names against this table (`BUILTIN_KINDS`),
 * `help` prints it, and completion offers it, so a builtin is added here once.
 * Each gets its expanded arguments and its stdout/stderr, and returns an exit
 * status.
 */
import { AI_FLAGS, type BuiltinKind } from '../plan/index.js';
import type { ExecContext } from './context.js';
import { SCRIPT_BUILTINS } from './script-builtins.js';
import { sessionsBuiltin, table } from './sessions-builtin.js';
import { SinkWriter, type Sink, type Source } from './streams.js';
import { assignVariable, unsetVariable } from './variables.js';

/** Thrown by `exit` to end the script or REPL with a status. */
export class ExitRequest {
  constructor(readonly status: number) {}
}

export interface BuiltinCall {
  name: string;
  args: string[];
  stdin: Source;
  stdout: Sink;
  stderr: Sink;
}

export type Builtin = (args: string[], io: BuiltinIo, context: ExecContext) => Promise<number> | number;

/** One row of the table: what `help` says, and how it runs (or that the planner turns it into a fan-out). */
export type BuiltinEntry = { help: string; run: Builtin } | { help: string; fanOutToAll: true };

export interface BuiltinIo {
  in: Source;
  out: SinkWriter;
  err: SinkWriter;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const BUILTINS: Record<string, BuiltinEntry> = {
  true: {
    help: 'true — do nothing, successfully (status 0)',
    run: () => 0,
  },
  false: {
    help: 'false — do nothing, unsuccessfully (status 1)',
    run: () => 1,
  },
  cd: {
    help: 'cd [DIR|-] — change the working folder',
    run: async (args, io, context) => {
      const previous = process.cwd();
      const { variables, environment } = context.state;
      const target = args[0] === '-' ? (variables.get('OLDPWD') ?? environment.get('OLDPWD')) : (args[0] ?? environment.get('HOME'));
      if (!target) return fail(io, 'cd: no home folder (HOME is not set)');
      try {
        process.chdir(target);
      } catch {
        return fail(io, `cd: ${target}: No such file or directory`);
      }
      assignVariable('OLDPWD', previous, context.state);
      if (args[0] === '-') await io.out.write(process.cwd() + '\n');
      return 0;
    },
  },
  set: {
    help: 'set [NAME=value…] [-e] [-u] [-o|+o pipefail|usage|errexit|nounset] [-- ARGS…] — set shell variables, options, or the script\'s arguments',
    run: async (args, io, context) => {
      if (args.length === 0) {
        const lines = [...context.state.variables].sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => `${name}=${shellQuote(value)}\n`);
        await io.out.write(lines.join(''));
        return 0;
      }
      if (args[0] === '-o' || args[0] === '+o') {
        const option = LONG_OPTIONS[args[1] ?? ''];
        if (!option) return fail(io, `set: unknown option '${args[1] ?? ''}' (aish knows: ${Object.keys(LONG_OPTIONS).join(', ')})`);
        context.state.options[option] = args[0] === '-o';
        return 0;
      }
      if (/^[-+][eu]+$/.test(args[0]!)) return setFlags(args, io, context);
      if (args[0] === '--') {
        context.state.positional = args.slice(1);
        return 0;
      }
      for (const assignment of args) {
        const eq = assignment.indexOf('=');
        const name = eq === -1 ? assignment : assignment.slice(0, eq);
        if (eq === -1 || !VARIABLE_NAME.test(name)) return fail(io, `set: '${assignment}': expected NAME=value`);
        assignVariable(name, assignment.slice(eq + 1), context.state);
      }
      return 0;
    },
  },
  unset: {
    help: 'unset NAME… — remove shell variables',
    run: (args, _io, context) => {
      for (const name of args) unsetVariable(name, context.state);
      return 0;
    },
  },
  alias: {
    help: "alias [NAME='pipeline'…] — define or list aliases",
    run: async (args, io, context) => {
      const { aliases } = context.state;
      if (args.length === 0) {
        const lines = [...aliases].sort(([a], [b]) => a.localeCompare(b)).map(([name, alias]) => `alias ${name}=${shellQuote(alias.text)}\n`);
        await io.out.write(lines.join(''));
        return 0;
      }
      for (const argument of args) {
        const eq = argument.indexOf('=');
        if (eq === -1) {
          const alias = aliases.get(argument);
          if (!alias) return fail(io, `alias: ${argument}: not found`);
          await io.out.write(`alias ${argument}=${shellQuote(alias.text)}\n`);
          continue;
        }
        const name = argument.slice(0, eq);
        const text = argument.slice(eq + 1);
        if (!/^[A-Za-z0-9_.:-]+$/.test(name)) return fail(io, `alias: '${name}': not a valid alias name`);
        const parsed = context.host.parseAlias(text);
        if (!parsed.ok) return fail(io, `alias: ${name}: ${parsed.diagnostic.message}`);
        aliases.set(name, { text, pipeline: parsed.pipeline });
      }
      return 0;
    },
  },
  unalias: {
    help: 'unalias NAME… — remove aliases',
    run: (args, io, context) => {
      for (const name of args) if (!context.state.aliases.delete(name)) return fail(io, `unalias: ${name}: not found`);
      return 0;
    },
  },
  exit: {
    help: 'exit [N] — leave with status N (default: the last status)',
    run: async (args, io, context) => {
      if (args[0] === undefined) throw new ExitRequest(context.state.lastStatus);
      // As bash: a status that is not a number is an error, and the shell still leaves, with 2.
      if (!/^[+-]?\d+$/.test(args[0])) {
        await io.err.write(`aish: exit: ${args[0]}: numeric argument required\n`);
        throw new ExitRequest(2);
      }
      throw new ExitRequest(Number(args[0]) & 255);
    },
  },
  source: {
    help: 'source FILE [ARGS…] — run a script file in this shell',
    run: async (args, io, context) => {
      if (!args[0]) return fail(io, 'source: usage: source FILE [ARGS…]');
      return context.host.source(args[0], args.slice(1), context);
    },
  },
  help: {
    help: 'help — this text',
    run: async (_args, io) => {
      await io.out.write(HELP);
      return 0;
    },
  },
  ais: {
    help: 'ais [--json] — list the specialists',
    run: async (args, io, context) => {
      const list = await context.specialists.list();
      if (args.includes('--json')) {
        await io.out.write(JSON.stringify({ ais: list, total: list.length }) + '\n');
        return 0;
      }
      const rows = list.map((s) => [s.id, s.status, s.model, topCapabilities(s.capabilities.scores)]);
      await io.out.write(table([['NAME', 'STATUS', 'MODEL', 'TOP CAPABILITIES'], ...rows]));
      return 0;
    },
  },
  sessions: {
    help: 'sessions [list|show|rm|export|import …] — manage sessions',
    run: (args, io, context) => sessionsBuiltin(args, { write: (text) => io.out.write(text), fail: (message) => fail(io, message) }, context),
  },
  history: {
    help: 'history [--search WORDS …] — the exchange log',
    run: (args, io, context) => {
      if (!context.log) return fail(io, 'history: the exchange log is not available here');
      // Messages and answers in the log may hold escape sequences: a terminal shows them, never obeys them.
      const shown = io.out.toOwnStdout && context.session.display ? context.session.display.stored : (text: string) => text;
      return context.log.history(args, { out: (text) => io.out.write(shown(text)), err: (text) => io.err.write(text) });
    },
  },
  jobs: {
    help: 'jobs — list background jobs',
    run: async (_args, io, context) => {
      const lines = context.state.jobs.map((job) => `[${job.number}] ${job.status === undefined ? 'Running' : `Done(${job.status})`}  ${job.text}\n`);
      await io.out.write(lines.join(''));
      return 0;
    },
  },
  wait: {
    help: 'wait [%N|PID…] — wait for background jobs (with no argument: all, status 0)',
    run: async (args, io, context) => {
      // As sh: `wait` alone waits for every job and is 0; `wait %N` or `wait PID` is that job's status.
      let status = 0;
      for (const argument of args) {
        const job = context.state.jobs.find((candidate) => `%${candidate.number}` === argument || String(candidate.pid) === argument);
        if (!job) {
          await io.err.write(`aish: wait: ${argument}: no such job\n`);
          status = 127;
          continue;
        }
        status = await job.done;
      }
      if (args.length === 0) await Promise.all(context.state.jobs.map((job) => job.done));
      context.state.jobs = context.state.jobs.filter((job) => job.status === undefined);
      return status;
    },
  },
  'team-chat': { help: 'team-chat "MESSAGE" — ask every specialist (a fan-out)', fanOutToAll: true },
  ...SCRIPT_BUILTINS,
};

/** The builtins' names and kinds, for the planner (every name resolves as a builtin first). */
export const BUILTIN_KINDS: ReadonlyMap<string, BuiltinKind> = new Map(
  Object.entries(BUILTINS).map(([name, entry]) => [name, 'run' in entry ? 'runs' : 'fan-out-to-all']),
);

export async function runBuiltin(call: BuiltinCall, context: ExecContext): Promise<number> {
  const entry = BUILTINS[call.name];
  const builtin = entry && 'run' in entry ? entry.run : undefined;
  const io: BuiltinIo = {
    in: call.stdin,
    out: new SinkWriter(call.stdout, () => call.stdout.kind === 'fd' && call.stdout.fd === 1 && context.session.stdoutClosed),
    err: new SinkWriter(call.stderr),
  };
  try {
    if (!builtin) return await fail(io, `${call.name}: not a builtin`);
    return await builtin(call.args, io, context);
  } finally {
    await io.out.end();
  }
}

/** `set -o NAME` names and the option each sets. */
const LONG_OPTIONS: Record<string, keyof ExecContext['state']['options']> = { pipefail: 'pipefail', usage: 'usage', errexit: 'errexit', nounset: 'nounset' };

/** `set -e`, `set -u`, `set +e` …, then anything else `set` takes. */
async function setFlags(args: string[], io: BuiltinIo, context: ExecContext): Promise<number> {
  let index = 0;
  for (; index < args.length && /^[-+][eu]+$/.test(args[index]!); index++) {
    const on = args[index]!.startsWith('-');
    for (const flag of args[index]!.slice(1)) context.state.options[flag === 'e' ? 'errexit' : 'nounset'] = on;
  }
  const set = BUILTINS.set!;
  if (index < args.length && 'run' in set) return set.run(args.slice(index), io, context);
  return 0;
}

async function fail(io: BuiltinIo, message: string): Promise<number> {
  await io.err.write(`aish: ${message}\n`);
  return 1;
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=+%^-]*$/.test(text) && text !== '' ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function topCapabilities(scores: Record<string, number>): string {
  return Object.entries(scores)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, score]) => `${name} ${score}`)
    .join(', ');
}


const HELP = `aish — a pipe-oriented AI shell

  echo "text" | apollo                 send text to a specialist
  cat f | apollo "find bugs" | tee out  mix specialists and Unix commands
  apollo,athena << "question"           ask several at once (fan-out)
  {apollo|athena} | synthesis "merge"   parallel branches, then merge
  @code-analysis << "review this"       route to the best specialist
  team-chat "question"                  ask every specialist
  for f in *.md; do apollo < "$f"; done  scripts: NAME=value, export, $((…)),
  if …; then …; fi   while/until …; do …; done   break/continue, read, set -e/-u

Builtins:
${Object.values(BUILTINS)
  .map((entry) => `  ${entry.help}\n`)
  .join('')}AI stage flags: ${AI_FLAGS.join(' ')}
Exit statuses: 0 ok, 1 error, 2 unreachable, 3 not found, 4 syntax error, 5 timeout, 6 schema mismatch, 130 interrupted
`;
