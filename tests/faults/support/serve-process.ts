/** `aish serve` as a process with any flags, its stderr kept for the test to read. */
import type { ChildProcess } from 'node:child_process';
import { startAish, tempHome } from '../../support/aish.js';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything the server wrote on stderr so far. */
  stderr(): string;
  /** Sends `signal` (SIGTERM by default) and resolves with the exit status. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `aish serve --port 0 ARGS…` and resolves once it says where it listens. */
export function startServeWith(args: string[], options: { home?: string; env?: Record<string, string> } = {}): Promise<ServeProcess> {
  const child = startAish(['serve', '--port', '0', ...args], { home: options.home ?? tempHome(), ...(options.env && { env: options.env }) });
  let text = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (status) => resolve(status)));
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      const found = /on (http:\/\/\S+)/.exec(text);
      if (!found) return;
      resolve({
        url: found[1]!,
        child,
        stderr: () => text,
        stop: async (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
    void exited.then((status) => reject(new Error(`aish serve exited with ${status}: ${text}`)));
  });
}
