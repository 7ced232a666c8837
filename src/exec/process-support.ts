/**
 * `node:child_process` loaded on first need: most AI-only lines never start
 * a child, and loading it (with net and dgram) is a visible part of aish's
 * start-up time. Pipelines with a Unix stage await `loadChildProcess()`
 * before they start, so starting the stages stays synchronous.
 */
type ChildProcessModule = typeof import('node:child_process');

let loaded: ChildProcessModule | undefined;

export async function loadChildProcess(): Promise<void> {
  loaded ??= await import('node:child_process');
}

export function childProcess(): ChildProcessModule {
  if (!loaded) throw new Error('child_process used before loadChildProcess()');
  return loaded;
}
