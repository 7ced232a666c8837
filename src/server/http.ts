/**
 * The node:http adapter around the server core: reads bodies within a size
 * limit (413 before buffering), writes SSE with back-pressure and a comment
 * ping while a model is slow, aborts the model call when the client goes
 * away, and shuts down gracefully.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AishError } from '../protocol/index.js';
import type { App } from './app.js';
import { errorResponse } from './errors.js';
import type { AppRequest, AppResponse } from './types.js';

export interface ServerOptions {
  host: string;
  port: number;
  /** Largest request body accepted (default 1 MiB). */
  maxBodyBytes?: number;
  /** How often an idle SSE stream gets a `: ping` comment (default 15 s). */
  pingMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, lets running streams finish for up to `graceMs`, then closes them. */
  close(graceMs?: number): Promise<void>;
}

const DEFAULT_MAX_BODY = 1024 * 1024;
const DEFAULT_PING_MS = 15_000;

export function startServer(app: App, options: ServerOptions): Promise<RunningServer> {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const pingMs = options.pingMs ?? DEFAULT_PING_MS;
  const active = new Set<Promise<void>>();
  const server = createServer((incoming, outgoing) => {
    const done = serve(app, incoming, outgoing, maxBody, pingMs).catch(() => {
      outgoing.destroy();
    });
    active.add(done);
    done.finally(() => active.delete(done));
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 0; // streams may be long; idle sockets are bounded by keepAliveTimeout
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({
        url: `http://${host}:${port}`,
        port,
        close: async (graceMs = 10_000) => {
          const closed = new Promise<void>((done) => server.close(() => done()));
          server.closeIdleConnections();
          const timer = setTimeout(() => server.closeAllConnections(), graceMs);
          await Promise.allSettled([...active]);
          clearTimeout(timer);
          server.closeAllConnections();
          await closed;
        },
      });
    });
  });
}

async function serve(app: App, incoming: IncomingMessage, outgoing: ServerResponse, maxBody: number, pingMs: number): Promise<void> {
  const controller = new AbortController();
  outgoing.on('close', () => {
    if (!outgoing.writableFinished) controller.abort();
  });
  const url = new URL(incoming.url ?? '/', 'http://localhost');
  const request: AppRequest = {
    method: incoming.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers: incoming.headers as Record<string, string | undefined>,
    json: () => readJson(incoming, maxBody),
    signal: controller.signal,
  };
  const response = await app(request);
  await write(response, incoming, outgoing, pingMs);
}

async function readJson(incoming: IncomingMessage, maxBody: number): Promise<unknown> {
  const declared = Number(incoming.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBody) throw tooLarge(maxBody);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming) {
    size += (chunk as Buffer).length;
    if (size > maxBody) throw tooLarge(maxBody);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new AishError('BAD_REQUEST', 'the request body must be a JSON object');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AishError('BAD_REQUEST', `malformed JSON: ${(error as Error).message}`);
  }
}

function tooLarge(maxBody: number): AishError {
  return new AishError('PAYLOAD_TOO_LARGE', `the request body is larger than ${maxBody} bytes`, { max_body: maxBody });
}

async function write(response: AppResponse, incoming: IncomingMessage, outgoing: ServerResponse, pingMs: number): Promise<void> {
  // A body we did not read (a 413, an early error) must not be taken as the next request.
  const unread = !incoming.readableEnded;
  const headers: Record<string, string> = { ...response.headers };
  if (unread) headers.connection = 'close';
  if (!response.stream) {
    const body = JSON.stringify(response.json ?? errorResponse(new AishError('INTERNAL', 'empty response')).json);
    outgoing.writeHead(response.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
    outgoing.end(body);
    if (unread) incoming.resume();
    return;
  }
  outgoing.writeHead(response.status, headers);
  outgoing.flushHeaders();
  let lastWrite = Date.now();
  const ping = setInterval(() => {
    if (Date.now() - lastWrite >= pingMs && !outgoing.destroyed) {
      outgoing.write(': ping\n\n');
      lastWrite = Date.now();
    }
  }, Math.min(pingMs, 1000));
  const iterator = response.stream[Symbol.asyncIterator]();
  // While the socket is back-pressured, later chunks are merged into one write
  // (up to MERGE_LIMIT, then we wait); while it is writable, nothing waits.
  let merged = '';
  let draining: Promise<void> | undefined;
  const flush = async (): Promise<void> => {
    while (draining) {
      await draining;
      if (merged !== '' && !outgoing.destroyed) {
        const text = merged;
        merged = '';
        if (!outgoing.write(text)) draining = drained(outgoing);
        else draining = undefined;
      } else {
        draining = undefined;
      }
    }
  };
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done || outgoing.destroyed) break;
      lastWrite = Date.now();
      if (draining) {
        merged += next.value;
        if (merged.length >= MERGE_LIMIT) await flush();
      } else if (!outgoing.write(next.value)) {
        draining = drained(outgoing);
      }
    }
    await flush();
  } finally {
    clearInterval(ping);
    await iterator.return?.();
    if (!outgoing.destroyed) outgoing.end();
  }
}

/** Most text held back while a slow client catches up; then the stream waits for it. */
const MERGE_LIMIT = 64 * 1024;

function drained(outgoing: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      outgoing.off('drain', done);
      outgoing.off('close', done);
      resolve();
    };
    outgoing.on('drain', done);
    outgoing.on('close', done);
  });
}
