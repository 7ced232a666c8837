/**
 * The `aish` command line: parses argv with commander, builds the embedded
 * service and a shell, and hands over. Exit statuses are language.md §7's.
 *
 * `aish [-q] -c LINE …`, the line scripts run thousands of times, is read
 * without loading commander: commander (and the child_process module it
 * pulls in) costs more start-up time than running the line itself.
 */
import { readFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { currentSessionsFile } from '../config/paths.js';
import type { Command } from 'commander';
import { Shell } from '../shell/index.js';
import { ConfigurationFailure, connect } from './specialists.js';

const VERSION = '0.1.0';

interface GlobalOptions {
  command?: string;
  quiet?: boolean;
  timeout?: string;
  color?: boolean;
  json?: boolean;
  listAis?: boolean;
  server?: string;
  dryRun?: boolean;
}

async function program(): Promise<Command> {
  const { Command } = await import('commander');
  const cli = new Command('aish')
    .description('A pipe-oriented AI shell: pipe text through AI specialists as through grep and sed.')
    .usage('[options] [-c LINE | FILE [ARGS…]]')
    .argument('[file]', 'a script to run (`#!/usr/bin/env aish` works); $1… are its ARGS')
    .argument('[args...]', 'arguments for the script')
    .option('-c, --command <line>', 'run one command line and exit with its status')
    .option('-q, --quiet', 'no progress or notices on stderr')
    .option('-s, --server <url>', 'use the specialist server at URL (env AISH_SERVER; default: in-process)')
    .option('--timeout <seconds>', 'give up on a model call after SECONDS (exit 5); env AISH_TIMEOUT')
    .option('--no-color', 'no colour (also NO_COLOR)')
    .option('--json', 'JSON output for commands that print data')
    .option('-l, --list-ais', 'list specialists (same as `aish ais`)')
    .option('-n, --dry-run', 'print the resolved plan of -c LINE or FILE and run nothing')
    .version(VERSION, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
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
not found, 4 syntax error, 5 timeout, 130 interrupted; a Unix command's own status
passes through.`,
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
    .description('manage sessions: list | show ID | rm ID | export ID | import FILE|- [--force] (--json)')
    .argument('[args...]', 'the command and its arguments')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (args: string[]) => {
      // The builtin does the work; "$@" hands it the words untouched.
      process.exitCode = await runLine('sessions "$@"', cli.opts(), cli.opts<GlobalOptions>().json ? [...args, '--json'] : args);
    });
  cli
    .command('chat')
    .description('chat with one specialist in a session (piped input is the first message)')
    .argument('<name>', 'the specialist')
    .option('--session <id-or-name>', 'resume a session (a new name creates it)')
    .action(async (name: string, options: { session?: string }) => {
      const { runChat } = await import('../shell/chat.js');
      const global = cli.opts<GlobalOptions>();
      const specialists = await connect({ server: global.server });
      const current = new (await import('../shell/current-session.js')).CurrentSessions(currentSessionsFile());
      process.exitCode = await runChat({
        specialists,
        specialist: name,
        quiet: Boolean(global.quiet),
        onSession: (id) => current.set(id),
        ...(options.session && { session: options.session }),
      });
      await specialists.close();
    });
  cli
    .command('serve')
    .description('run the specialist server (HTTP + SSE, OpenAI-compatible /v1)')
    .option('--host <host>', 'address to listen on (env AISH_HOST; default 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for any free one (env AISH_PORT; default 8003)')
    .option('--config <file>', 'the config file (default ~/.config/aish/config.yaml, env AISH_CONFIG)')
    .action(async (options: { host?: string; port?: string; config?: string }) => {
      const { serve } = await import('./serve.js');
      process.exitCode = await serve({ ...options, quiet: Boolean(cli.opts<GlobalOptions>().quiet) });
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

async function newShell(options: GlobalOptions, extra: { stdinIsScript: boolean; scriptName: string; positional: string[] }): Promise<Shell> {
  const shell = new Shell({
    specialists: await connect({ server: options.server }),
    quiet: Boolean(options.quiet),
    timeoutSeconds: timeoutOf(options),
    currentSessionsFile: currentSessionsFile(),
    ...extra,
  });
  shell.installSignalHandlers();
  return shell;
}

async function runLine(line: string, options: GlobalOptions, positional: string[] = []): Promise<number> {
  const shell = await newShell(options, { stdinIsScript: false, scriptName: 'aish', positional });
  const status = await shell.run(line);
  await shell.waitForJobs();
  return status;
}

async function main(options: GlobalOptions, file: string | undefined, args: string[]): Promise<number> {
  if (options.listAis) return runLine(options.json ? 'ais --json' : 'ais', options);
  if (options.dryRun) {
    const text = options.command ?? (file !== undefined ? readFileSync(file, 'utf8') : undefined);
    if (text === undefined) {
      process.stderr.write('aish: --dry-run needs -c LINE or a script FILE\n');
      return 1;
    }
    const shell = await newShell(options, { stdinIsScript: false, scriptName: file ?? 'aish', positional: args });
    const explained = await shell.explain(text, options.command === undefined ? file : undefined);
    process.stdout.write(explained.output);
    return explained.status;
  }
  if (options.command !== undefined) {
    // `aish -c LINE NAME ARGS…` sets $0 and $1… as `sh -c` does.
    const shell = await newShell(options, { stdinIsScript: false, scriptName: file ?? 'aish', positional: args });
    const status = await shell.run(options.command);
    await shell.waitForJobs();
    return status;
  }
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      process.stderr.write(`aish: ${file}: ${code === 'ENOENT' ? 'No such file or directory' : (error as Error).message}\n`);
      return code === 'ENOENT' ? 127 : 126;
    }
    const shell = await newShell(options, { stdinIsScript: false, scriptName: file, positional: args });
    const status = await shell.run(text, file);
    await shell.waitForJobs();
    return status;
  }
  if (isatty(0)) {
    const { runRepl } = await import('../shell/repl.js');
    return runRepl(await newShell(options, { stdinIsScript: false, scriptName: 'aish', positional: [] }));
  }
  const text = readFileSync(0, 'utf8');
  const shell = await newShell(options, { stdinIsScript: true, scriptName: 'aish', positional: [] });
  const status = await shell.run(text, '<stdin>');
  await shell.waitForJobs();
  return status;
}

/** `[-q|--quiet] -c LINE [NAME ARGS…]`: the hot path, or undefined for commander to read. */
function fastPath(args: string[]): { options: GlobalOptions; file: string | undefined; args: string[] } | undefined {
  let index = 0;
  const options: GlobalOptions = {};
  if (args[index] === '-q' || args[index] === '--quiet') {
    options.quiet = true;
    index++;
  }
  if (args[index] !== '-c' || args[index + 1] === undefined) return undefined;
  // Options after the line are commander's to read (or reject), on both paths alike.
  if (args.slice(index + 2).some((arg) => arg.startsWith('-'))) return undefined;
  options.command = args[index + 1];
  return { options, file: args[index + 2], args: args.slice(index + 3) };
}

export async function run(argv: string[]): Promise<void> {
  try {
    const fast = fastPath(argv.slice(2));
    if (fast) process.exitCode = await main(fast.options, fast.file, fast.args);
    else await (await program()).parseAsync(argv);
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
