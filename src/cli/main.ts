/**
 * The `aish` command line: parses argv with commander, builds the embedded
 * service and a shell, and hands over. Exit statuses are those of docs/language.md "Exit statuses".
 *
 * `aish [-q] -c LINE …`, the line scripts run thousands of times, is read
 * without loading commander: commander (and the child_process module it
 * pulls in) costs more start-up time than running the line itself.
 */
import { isatty } from 'node:tty';
import { currentSessionsFile, databaseFile, rcFile, replHistoryFile } from '../config/paths.js';
import { priceOf } from '../config/prices.js';
import type { Command } from 'commander';
import type { ServeOptions } from './serve.js';
import type { Writable } from 'node:stream';
import { Shell } from '../shell/index.js';
import { readTextFile } from '../protocol/text-file.js';
import { printVersion, RunCollector } from './json-output.js';
import { displayFor } from './render-choice.js';
import { colorLevel } from '../render/color.js';
import { ExchangeRecorder, loggingWanted } from './exchange-recorder.js';
import { RunBudget, type BudgetLimits } from '../exec/index.js';
import { ConfigurationFailure, connect, localConfig } from './specialists.js';
import { EventStream } from './events-output.js';

const VERSION = '0.1.0';

interface GlobalOptions {
  command?: string;
  quiet?: boolean;
  timeout?: string;
  color?: boolean;
  json?: boolean;
  listAis?: boolean;
  server?: string;
  token?: string;
  dryRun?: boolean;
  /** `--usage`: tokens and cost on stderr after each pipeline that asked an AI. */
  usage?: boolean;
  /** False with `--no-log`. */
  log?: boolean;
  render?: boolean;
  raw?: boolean;
  version?: boolean;
  /** `--max-input BYTES`: the input limit of AI stages (over `limits.max_input`). */
  maxInput?: string;
  /** `--events`: the run as JSON events on stdout. */
  events?: boolean;
  /** `--cache` true, `--no-cache` false, neither undefined. */
  cache?: boolean;
  /** `--max-cost USD`: what one run may spend. */
  maxCost?: string;
  /** `--confirm-tools`: the REPL asks before each tool call. */
  confirmTools?: boolean;
}


async function program(): Promise<Command> {
  const { Command, Option } = await import('commander');
  const cli = new Command('aish')
    .description('A pipe-oriented AI shell: pipe text through AI specialists as through grep and sed.')
    .usage('[options] [-c LINE | FILE [ARGS…]]')
    .argument('[file]', 'a script to run (`#!/usr/bin/env aish` works); $1… are its ARGS')
    .argument('[args...]', 'arguments for the script')
    .option('-c, --command <line>', 'run one command line and exit with its status')
    .option('-q, --quiet', 'no progress or notices on stderr')
    .option('--confirm-tools', 'the REPL asks on the terminal before each tool call a specialist makes (config tools_confirm)')
    .option('-s, --server <url>', 'use the specialist server at URL (env AISH_SERVER; default: in-process)')
    .option('--token <token>', 'the bearer token a --server started with --token needs (env AISH_TOKEN)')
    .option('--timeout <seconds>', 'give up on a model call after SECONDS (exit 5); env AISH_TIMEOUT')
    .option('--max-input <bytes>', 'the most input an AI stage reads before it refuses to send (default 4 MiB, config limits.max_input; 0 = no limit)')
    .option('--no-color', 'no colour (also NO_COLOR)')
    .option('--json', 'JSON output: one document per run (with -c LINE: status, stdout and the AI exchanges)')
    .option('--events', 'write the run as newline-delimited JSON events on stdout (run.start, stage.start, stage.delta, stage.done, stdout, notice, error, run.done)')
    .addOption(new Option('--render', 'show answers as formatted Markdown, even into a pipe').conflicts('raw'))
    .option('--raw', 'answers as plain text, never formatted (default: config render: auto, a terminal only)')
    .option('-l, --list-ais', 'list specialists (same as `aish ais`)')
    .option('-n, --dry-run', 'print the resolved plan of -c LINE or FILE and run nothing')
    .option('--usage', 'print tokens and cost on stderr after each answer (also `set -o usage`)')
    .option('--no-log', 'keep no record of exchanges in the local log (also AISH_LOG=0)')
    .option('--cache', 'answer a call from an earlier identical successful one, at no cost (also AISH_CACHE=1, config cache.enabled)')
    .option('--no-cache', 'make real calls even when the config enables the cache')
    .option('--max-cost <usd>', 'the most one run may spend in US dollars; exit 7 when reached (env AISH_MAX_COST, config budget.per_run)')
    .option('-v, --version', 'print the version (with --json as a JSON document)')
    .helpOption('-h, --help', 'show this help')
    // `aish help` and `aish help COMMAND` (the same as `aish COMMAND --help`), not a script named help.
    .helpCommand('help [command]', "show this help, or a command's")
    // Every error starts with `aish:`, commander's too (subcommands inherit this).
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'aish: ')) })
    .enablePositionalOptions()
    .passThroughOptions()
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      `
Examples:
  aish -c 'echo "hello" | apollo'
  git diff | aish -c 'apollo "write a commit message"'
  aish -c 'apollo,athena << "Analyze this design"'
  aish review.aish src/app.ts

Exit statuses: 0 ok, 1 error, 2 cannot reach the server or provider, 3 specialist
not found, 4 syntax error, 5 timeout, 6 an answer does not match its schema,
130 interrupted; a Unix command's own status passes through.`,
    )
    .exitOverride();
  cli
    .command('ais')
    .description('list specialists: name, status, model, top capabilities')
    .option('--json', 'one JSON document')
    .action(async (options: { json?: boolean }) => {
      const json = options.json || cli.opts<GlobalOptions>().json;
      process.exitCode = await runLine(json ? 'ais --json' : 'ais', cli.opts());
    });
  cli
    .command('sessions')
    .description('manage sessions: list | show ID | renew ID | rm ID | export ID | import FILE|- [--force] (--json; sessions --help)')
    .argument('[args...]', 'the command and its arguments')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (args: string[]) => {
      // The builtin does the work; "$@" hands it the words untouched.
      process.exitCode = await runLine('sessions "$@"', cli.opts(), cli.opts<GlobalOptions>().json ? [...args, '--json'] : args);
    });
  cli
    .command('history')
    .description('the local log of AI exchanges: [--search WORDS] [--specialist NAME] [--since DATE] [--limit N] | show ID | --cost [--since DATE] (--json)')
    .argument('[args...]', 'the options and their values')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (args: string[]) => {
      process.exitCode = await runLine('history "$@"', cli.opts(), cli.opts<GlobalOptions>().json ? [...args, '--json'] : args);
    });
  cli
    .command('db')
    .description('the database: migrate [--db FILE|URL] applies the schema migrations (for deploys that start servers with --no-migrate)')
    .argument('[args...]', 'the command and its arguments')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (args: string[]) => {
      const { runDbCommand } = await import('./db-command.js');
      const { migrateStore } = await import('../store/index.js');
      process.exitCode = await runDbCommand(args, {
        err: (text) => process.stderr.write(text),
        defaultLocation: async () => process.env.AISH_DB || (await localConfig()).server.db || databaseFile(),
        migrate: migrateStore,
      });
    });
  cli
    .command('cache')
    .description('the answer cache in the exchange log: stats [--json] | clear [--older-than 7d]')
    .argument('[args...]', 'the command and its arguments')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (args: string[]) => {
      const { runCacheCommand } = await import('./cache-command.js');
      const { openExchangeLog } = await import('../store/index.js');
      try {
        process.exitCode = await runCacheCommand(args, Boolean(cli.opts<GlobalOptions>().json), () => openExchangeLog(databaseFile()), {
          out: (text) => process.stdout.write(text),
          err: (text) => process.stderr.write(text),
          now: Date.now(),
        });
      } catch (error) {
        // A database aish cannot use (not aish's, newer, unreadable) is named, not a crash.
        process.stderr.write(`aish: cache: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
      }
    });
  cli
    .command('chat')
    .description('chat with one specialist in a session, over WebSocket with --server (piped input is the first message; without a terminal each stdin line is a message)')
    .argument('<name>', 'the specialist')
    .option('--session <id-or-name>', 'resume a session (a new name creates it)')
    .option('-s, --server <url>', 'chat over WebSocket with the server at URL (as the global --server; env AISH_SERVER)')
    .option('--token <token>', 'the bearer token the server needs (env AISH_TOKEN)')
    .option('--binary', 'send messages that hold NUL bytes (refused otherwise)')
    .option('--confirm-tools', 'ask before each tool call the specialist makes (config tools_confirm)')
    .action(async (name: string, options: { session?: string; server?: string; token?: string; binary?: boolean; confirmTools?: boolean }) => {
      const { runChat, chatOutput } = await import('../shell/chat.js');
      const global = cli.opts<GlobalOptions>();
      const specialists = await (await import('./chat-peer.js')).chatPeer(name, { server: options.server ?? global.server, token: options.token ?? global.token });
      const current = new (await import('../shell/current-session.js')).CurrentSessions(currentSessionsFile());
      const quiet = Boolean(global.quiet);
      const output = { ...chatOutput(quiet, { display: await displayFor(global) }), log: exchangeLog(global) };
      process.exitCode = await runChat({
        specialists,
        specialist: name,
        output,
        onSession: (id) => current.set(id),
        maxInputBytes: maxInputOf(global),
        ...(options.binary && { binary: true }),
        ...(options.session && { session: options.session }),
        ...((await confirmToolsWanted(options.confirmTools || global.confirmTools)) && { confirmTools: true }),
      });
      await specialists.close();
    });
  cli
    .command('serve')
    .description('run the specialist server (HTTP + SSE, OpenAI-compatible /v1)')
    .option('--host <host>', 'address to listen on (env AISH_HOST; default 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for any free one (env AISH_PORT; default 8003)')
    .option('--config <file>', 'the config file (default ~/.config/aish/config.yaml, env AISH_CONFIG)')
    .option('--db <file|url>', 'the database of sessions, stats and the log: a SQLite file or a postgres:// URL (env AISH_DB; config server.db; default ~/.local/share/aish/aish.db)')
    .option('--db-pool <n>', 'PostgreSQL connections per process (config server.db_pool; default 10)')
    .option('--no-migrate', 'refuse a database that needs migrating (naming the steps) instead of migrating it at start')
    .option('--token <token>', 'require Authorization: Bearer TOKEN on every call but /health (env AISH_TOKEN; config server.token)')
    .option('--rate-limit <n>', 'requests per minute per client, 0 for no limit (config server.rate_limit; default 600)')
    .option('--max-streams <n>', 'concurrent streams per client (config server.max_streams; default 32)')
    .option('--max-body <bytes>', 'largest request body (config server.max_body; default 1048576)')
    .option('--cache', "answer identical requests from the server's exchange log (config server.cache)")
    .option('--redis <url>', 'share rate limits, stream slots, session locks and specialist statuses with other replicas through Redis (env AISH_REDIS; config server.redis)')
    .option('--workers <n>', 'run N processes on the port, one per core (needs --redis; config server.workers)')
    .option('-q, --quiet', 'no access log or notices on stderr')
    .action(async (options: ServeOptions) => {
      const { serve } = await import('./serve.js');
      const global = cli.opts<GlobalOptions>();
      process.exitCode = await serve({ ...options, token: options.token ?? global.token, quiet: Boolean(options.quiet || global.quiet) });
    });
  cli
    .command('mcp')
    .description('serve the specialists as MCP tools over stdin/stdout for editors and agents; with --server, a bridge to that server; `mcp list [--json]`: the MCP servers specialists use, whether each starts, and their tools')
    .argument('[list]', 'list the configured MCP servers (mcp_servers) instead of serving')
    .option('-s, --server <url>', 'bridge to the specialist server at URL (as the global --server; env AISH_SERVER)')
    .option('--token <token>', 'the bearer token the server needs (env AISH_TOKEN)')
    .option('--json', 'with list: one JSON document')
    .action(async (subcommand: string | undefined, options: { server?: string; token?: string; json?: boolean }) => {
      const global = cli.opts<GlobalOptions>();
      if (subcommand === 'list') {
        const { listMcpServers } = await import('./mcp-list.js');
        process.exitCode = await listMcpServers(Boolean(options.json || global.json), (text) => process.stdout.write(text));
        return;
      }
      if (subcommand !== undefined) {
        process.stderr.write(`aish: mcp: unknown subcommand '${subcommand}' (aish mcp serves MCP on stdio; aish mcp list shows the MCP servers specialists use)\n`);
        process.exitCode = 1;
        return;
      }
      const { serveMcp } = await import('./mcp.js');
      process.exitCode = await serveMcp({ server: options.server ?? global.server, token: options.token ?? global.token });
    });
  cli
    .command('completion')
    .description('print a completion script: bash, zsh or fish (e.g. source <(aish completion bash))')
    .argument('[shell]', 'bash, zsh or fish')
    .addOption(new Option('--list <kind>', 'names for the scripts: specialists, sessions or capabilities').hideHelp())
    .action(async (shell: string | undefined, options: { list?: string }) => {
      const { completionCommand } = await import('./completion/index.js');
      const global = cli.opts<GlobalOptions>();
      process.exitCode = await completionCommand(cli, shell, options, { server: global.server, token: global.token });
    });
  cli.action(async (file: string | undefined, args: string[]) => {
    process.exitCode = await main(cli.opts<GlobalOptions>(), file, args);
  });
  return cli;
}

function timeoutOf(options: GlobalOptions): number | undefined {
  const raw = options.timeout ?? process.env.AISH_TIMEOUT;
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    process.stderr.write(`aish: --timeout needs a number of seconds above 0, not '${raw}'\n`);
    process.exit(1);
  }
  return seconds;
}

/** The input limit: `--max-input`, else the config's `limits.max_input` (read when a stage first needs it). */
function maxInputOf(options: GlobalOptions): () => Promise<number | undefined> {
  if (options.maxInput === undefined) return async () => (await localConfig()).limits.max_input;
  const bytes = Number(options.maxInput);
  if (options.maxInput.trim() === '' || !Number.isSafeInteger(bytes) || bytes < 0) {
    process.stderr.write(`aish: --max-input needs a whole number of bytes, 0 or more (0 = no limit), not '${options.maxInput}'\n`);
    process.exit(1);
  }
  return async () => bytes;
}

/** The caps: `--max-cost`, else `AISH_MAX_COST`, else `budget.per_run`; `budget.per_day` from the config. */
async function budgetLimits(options: GlobalOptions): Promise<BudgetLimits> {
  const config = await localConfig();
  const raw = options.maxCost ?? process.env.AISH_MAX_COST;
  const limits: BudgetLimits = {};
  const perRun = raw === undefined || raw.trim() === '' ? config.budget.per_run : Number(raw.replace(/^\$/, ''));
  if (perRun !== undefined) limits.perRun = perRun;
  if (config.budget.per_day !== undefined) limits.perDay = config.budget.per_day;
  return limits;
}

/** `--max-cost` or `AISH_MAX_COST` that is not an amount stops aish before anything runs. */
function checkMaxCost(options: GlobalOptions): void {
  const raw = options.maxCost ?? process.env.AISH_MAX_COST;
  if (raw === undefined || raw.trim() === '') return;
  const value = Number(raw.replace(/^\$/, ''));
  if (Number.isFinite(value) && value >= 0) return;
  process.stderr.write(`aish: ${options.maxCost !== undefined ? '--max-cost' : 'AISH_MAX_COST'} needs an amount of US dollars, 0 or more (such as 0.50), not '${raw}'\n`);
  process.exit(1);
}

/** `--cache` / `--no-cache`, else `AISH_CACHE` (1/true/on/yes or 0/false/off/no); neither: the config decides. */
function cacheChoice(options: GlobalOptions): { cache?: boolean } {
  if (options.cache !== undefined) return { cache: options.cache };
  const value = process.env.AISH_CACHE?.trim().toLowerCase();
  if (value === undefined || value === '') return {};
  if (['1', 'true', 'on', 'yes'].includes(value)) return { cache: true };
  if (['0', 'false', 'off', 'no'].includes(value)) return { cache: false };
  process.stderr.write(`aish: AISH_CACHE must be 1 or 0 (true/false, on/off, yes/no), not '${process.env.AISH_CACHE}'\n`);
  process.exit(1);
}

/** Where a shell runs: how it reads stdin, its `$0` and `$1…`, and (for `--json`) where its stdout goes. */
interface ShellPlace {
  stdinIsScript: boolean;
  scriptName: string;
  positional: string[];
  stdout?: Writable;
  events?: EventStream;
}

async function newShell(options: GlobalOptions, extra: ShellPlace): Promise<Shell> {
  checkMaxCost(options);
  const log = exchangeLog(options, extra.events);
  // A --json run collects its stdout: nothing there is shown on a terminal.
  const shell = new Shell({
    display: await displayFor(options),
    specialists: await connect({ server: options.server, token: options.token }),
    quiet: Boolean(options.quiet),
    timeoutSeconds: timeoutOf(options),
    currentSessionsFile: currentSessionsFile(),
    log,
    budget: new RunBudget(() => budgetLimits(options), (since) => log.spentSince(since)),
    priceOf: async (model) => priceOf(model, await localConfig().then((config) => config.prices, () => ({}))),
    usage: Boolean(options.usage),
    maxInputBytes: maxInputOf(options),
    ...cacheChoice(options),
    ...extra,
  });
  shell.installSignalHandlers();
  return shell;
}

/** The exchange log a run records to (`--no-log`, `AISH_LOG=0` keep it out); with `--events` its words are notices. */
function exchangeLog(options: GlobalOptions, events?: EventStream): ExchangeRecorder {
  const say = events ? (text: string) => events.notice(text) : writeLine;
  return new ExchangeRecorder({
    databaseFile: databaseFile(),
    logging: options.log !== false && loggingWanted(),
    prices: async () => (await localConfig()).prices,
    warn: say,
    usage: say,
  });
}

async function runLine(line: string, options: GlobalOptions, positional: string[] = []): Promise<number> {
  const shell = await newShell(options, { stdinIsScript: false, scriptName: 'aish', positional });
  const status = await shell.run(line);
  await shell.waitForJobs();
  return status;
}

/** Runs a `-c` line or a script; with `--json`, printed as one document of its stdout and AI exchanges. */
async function runText(options: GlobalOptions, text: string, origin: string | undefined, place: ShellPlace): Promise<number> {
  if (options.events) return runWithEvents(options, text, origin, place);
  const collector = options.json ? new RunCollector() : undefined;
  const shell = await newShell(options, { ...place, ...(collector && { stdout: collector.stdout }) });
  if (collector) shell.collectExchanges(collector.exchanges);
  const status = await shell.run(text, origin);
  await shell.waitForJobs();
  // Prices as the exchange log has them: the config's table over the built-in one.
  return collector ? collector.print(status, await localConfig().then((config) => config.prices, () => ({}))) : status;
}

/** `--events`: the run as JSON events on stdout; the status is `run.done`'s. */
async function runWithEvents(options: GlobalOptions, text: string, origin: string | undefined, place: ShellPlace): Promise<number> {
  if (options.json) {
    process.stderr.write('aish: --events and --json cannot be used together (each is a whole stdout format)\n');
    return 1;
  }
  const prices = await localConfig().then((config) => config.prices, () => ({}));
  const models = new Map<string, string>();
  const events = new EventStream((line) => process.stdout.write(line), prices, models);
  events.start(origin === undefined ? { line: text } : { script: origin });
  let status: number;
  try {
    const shell = await newShell(options, { ...place, stdout: events.stdout, events });
    for (const specialist of await shell.specialists.list().catch(() => [])) models.set(specialist.id, specialist.model);
    status = await shell.run(text, origin);
    await shell.waitForJobs();
  } catch (error) {
    // A failure before the run (a config mistake, a server that cannot be reached) is still an error event and a run.done.
    const failure = error instanceof ConfigurationFailure ? error.message : error instanceof Error ? error.message : String(error);
    events.error(`aish: ${failure}`);
    status = 1;
  }
  return events.done(status);
}

async function main(options: GlobalOptions, file: string | undefined, args: string[]): Promise<number> {
  if (options.version) return printVersion(VERSION, Boolean(options.json));
  if (options.listAis) return runLine(options.json ? 'ais --json' : 'ais', options);
  if (options.dryRun) {
    const text = options.command ?? (file !== undefined ? readTextFile(file) : undefined);
    if (text === undefined) {
      process.stderr.write('aish: --dry-run needs -c LINE or a script FILE\n');
      return 1;
    }
    const shell = await newShell(options, { stdinIsScript: false, scriptName: file ?? 'aish', positional: args });
    const explained = await shell.explain(text, options.command === undefined ? file : undefined, options.json ? 'json' : 'text');
    process.stdout.write(explained.output);
    return explained.status;
  }
  if (options.command !== undefined) {
    // `aish -c LINE NAME ARGS…` sets $0 and $1… as `sh -c` does.
    return runText(options, options.command, undefined, { stdinIsScript: false, scriptName: file ?? 'aish', positional: args });
  }
  if (file !== undefined) {
    let text: string;
    try {
      text = readTextFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      process.stderr.write(`aish: ${file}: ${code === 'ENOENT' ? 'No such file or directory' : (error as Error).message}\n`);
      return code === 'ENOENT' ? 127 : 126;
    }
    return runText(options, text, file, { stdinIsScript: false, scriptName: file, positional: args });
  }
  if (isatty(0)) {
    const { runRepl } = await import('../shell/repl.js');
    const { colors } = await import('../render/chalk-colors.js');
    return runRepl(await newShell(options, { stdinIsScript: false, scriptName: 'aish', positional: [] }), {
      historyFile: replHistoryFile(),
      rcFile: rcFile(),
      quiet: Boolean(options.quiet),
      promptStyle: colors(colorLevel({ isTTY: isatty(2), env: process.env, ...(options.color === false && { color: false }) })).bold,
      confirmTools: await confirmToolsWanted(options.confirmTools),
    });
  }
  const text = readTextFile(0);
  return runText(options, text, '<stdin>', { stdinIsScript: true, scriptName: 'aish', positional: [] });
}

/** `--confirm-tools`, else the config's `tools_confirm` (a config that cannot be read says so elsewhere). */
async function confirmToolsWanted(flag: boolean | undefined): Promise<boolean> {
  if (flag) return true;
  return localConfig().then(
    (config) => config.tools_confirm,
    () => false,
  );
}

function writeLine(text: string): void {
  process.stderr.write(text + '\n');
}

/** `[-q|--quiet] [--usage] [--no-log] -c LINE [NAME ARGS…]`: the hot path, or undefined for commander to read. */
function fastPath(args: string[]): { options: GlobalOptions; file: string | undefined; args: string[] } | undefined {
  let index = 0;
  const options: GlobalOptions = {};
  for (;; index++) {
    if (args[index] === '-q' || args[index] === '--quiet') options.quiet = true;
    else if (args[index] === '--usage') options.usage = true;
    else if (args[index] === '--no-log') options.log = false;
    else break;
  }
  if (args[index] !== '-c' || args[index + 1] === undefined) return undefined;
  // Options after the line are commander's to read (or reject), on both paths alike.
  if (args.slice(index + 2).some((arg) => arg.startsWith('-'))) return undefined;
  options.command = args[index + 1];
  return { options, file: args[index + 2], args: args.slice(index + 3) };
}

/** `aish help X` where X is no command: commander would print the whole help with status 0, which hides the typo. */
function missingHelpTopic(cli: Command, args: string[]): string | undefined {
  const [first, topic] = args;
  if (first !== 'help' || topic === undefined || topic === 'help' || topic.startsWith('-')) return undefined;
  return cli.commands.some((command) => command.name() === topic || command.aliases().includes(topic)) ? undefined : topic;
}

export async function run(argv: string[]): Promise<void> {
  try {
    const fast = fastPath(argv.slice(2));
    if (fast) process.exitCode = await main(fast.options, fast.file, fast.args);
    else {
      const cli = await program();
      const missing = missingHelpTopic(cli, argv.slice(2));
      if (missing !== undefined) {
        process.stderr.write(`aish: no help for '${missing}'; help is there for: ${cli.commands.map((command) => command.name()).join(', ')} ('aish help' shows all of it)\n`);
        process.exitCode = 1;
      } else await cli.parseAsync(argv);
    }
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('commander.')) {
      process.exitCode = (error as { exitCode: number }).exitCode === 0 ? 0 : 1;
    } else if (error instanceof ConfigurationFailure) {
      process.stderr.write(error.message.split('\n').map((line) => `aish: ${line}\n`).join(''));
      process.exitCode = 1;
    } else {
      process.stderr.write(`aish: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    }
  }
  process.exit(process.exitCode ?? 0);
}
