/**
 * `aish serve`: the specialist server on `--host`/`--port` (AISH_HOST,
 * AISH_PORT; default 127.0.0.1:8003). Prints where it listens on stderr and
 * shuts down gracefully on SIGTERM or Ctrl-C.
 */
import { createApp, startServer } from '../server/index.js';
import { createService } from './specialists.js';

export interface ServeOptions {
  host?: string;
  port?: string;
  quiet?: boolean;
  config?: string;
}

/** How long running streams may take to finish after a shutdown signal. */
const GRACE_MS = 10_000;

export async function serve(options: ServeOptions): Promise<number> {
  const host = options.host ?? process.env.AISH_HOST ?? '127.0.0.1';
  const portText = options.port ?? process.env.AISH_PORT ?? '8003';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`aish: serve: --port needs a port number from 0 to 65535, not '${portText}'\n`);
    return 1;
  }
  const service = await createService(options.config);
  let server;
  try {
    server = await startServer(createApp({ service }), { host, port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(`aish: serve: cannot listen on ${host}:${port} (${code ?? (error as Error).message})\n`);
    return code === 'EADDRINUSE' || code === 'EACCES' ? 2 : 1;
  }
  const specialists = await service.list();
  const models = [...new Set(specialists.map((specialist) => specialist.model))].join(', ');
  process.stderr.write(`aish: serving ${specialists.length} specialists (${models}) on ${server.url}\n`);
  const running = server;
  return new Promise((resolve) => {
    const stop = (): void => {
      if (!options.quiet) process.stderr.write('aish: shutting down\n');
      void running.close(GRACE_MS).then(() => resolve(0));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
