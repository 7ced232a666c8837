/**
 * Runs the real `bin/aish` as a user would, with a temporary HOME and XDG
 * folders so nothing of the developer's machine leaks in or out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const AISH = resolve(import.meta.dirname, '../../bin/aish');

export interface RunResult {
  stdout: string;
  stderr: string;
  status: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunOptions {
  stdin?: string;
  cwd?: string;
  env?: Record<string, string>;
  home?: string;
}

/** A fresh temporary folder used as HOME (with XDG folders inside it). */
export function tempHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'aish-test-'));
  mkdirSync(join(home, '.config'), { recursive: true });
  return home;
}

/** Writes `yaml` as the home's `~/.config/aish/config.yaml`. */
export function writeConfig(home: string, yaml: string): void {
  mkdirSync(join(home, '.config', 'aish'), { recursive: true });
  writeFileSync(join(home, '.config', 'aish', 'config.yaml'), yaml);
}

/** A temporary HOME with this config file. */
export function homeWithConfig(yaml: string): string {
  const home = tempHome();
  writeConfig(home, yaml);
  return home;
}

export function testEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    AISH_DB: join(home, 'aish.db'),
    LANG: 'C.UTF-8',
    ...extra,
  };
  return env;
}

export function startAish(args: string[], options: RunOptions = {}): ChildProcess {
  const home = options.home ?? tempHome();
  return spawn(AISH, args, { cwd: options.cwd ?? home, env: testEnv(home, options.env), stdio: ['pipe', 'pipe', 'pipe'] });
}

export function collect(child: ChildProcess, stdin?: string): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin!.on('error', () => {});
  if (stdin !== undefined) child.stdin!.end(stdin);
  else child.stdin!.end();
  return new Promise((done) => child.on('close', (status, signal) => done({ stdout, stderr, status, signal })));
}

export function runAish(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return collect(startAish(args, options), options.stdin);
}

/** `aish -c LINE` */
export function aishC(line: string, options: RunOptions = {}): Promise<RunResult> {
  return runAish(['-c', line], options);
}

export interface Served {
  url: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `aish serve --port 0` with this HOME; resolves with where it listens. */
export function startServe(home: string = tempHome(), env?: Record<string, string>): Promise<Served> {
  const server = startAish(['serve', '--port', '0'], { home, ...(env && { env }) });
  return new Promise((resolve, reject) => {
    let text = '';
    server.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      const found = /on (http:\/\/\S+)/.exec(text);
      if (!found) return;
      resolve({
        url: found[1]!,
        stop: (signal = 'SIGTERM') =>
          new Promise((done) => {
            if (server.exitCode !== null || server.signalCode !== null) return done();
            server.once('exit', () => done());
            server.kill(signal);
          }),
      });
    });
    server.once('exit', () => reject(new Error(`aish serve exited: ${text}`)));
  });
}
