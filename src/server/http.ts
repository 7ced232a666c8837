/**
 * The node:http adapter around the server core: reads bodies within a size
 * limit (413 before buffering), writes SSE with back-pressure and a comment
 * ping while a model is slow, aborts the model call when the client goes
 * away, and shuts down gracefully.
 */
import { runAsClient } from '../service/index.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AccessRecord } from './access-log.js';
import { AishError, CallController } from '../protocol/index.js';
import type { App } from './app.js';
import { checkBrowser, normaliseOrigins, type BrowserPolicy } from './browser-guard.js';
import { errorResponse } from './errors.js';
import { writeStream, type Cuttable } from './stream-writer.js';
import type { Admission, Protection } from './protection.js';
import type { AppRequest, AppResponse } from './types.js';
import { refusedByCheck, refuseUpgrade, type UpgradeCheck, type UpgradeHandler } from './upgrade.js';

export interface ServerOptions {
  host: string;
  port: number;
  /** Largest request body accepted (default 1 MiB). */
  maxBodyBytes?: number;
  /** How often an idle SSE stream gets a `: ping` comment (default 15 s). */
  pingMs?: number;
  /** Token, rate and stream limits and the access log; absent: none of them. */
  protection?: Protection;
  /** A client must send its request headers within this (default 10 s; slow-loris). */
  headersTimeoutMs?: number;
  /** … and its whole request body within this from the start (default 30 s). Responses (long streams) are not bounded by it. */
  bodyTimeoutMs?: number;
  /** Takes WebSocket upgrades (`GET /ws/ai/{id}`, see ws.ts); absent: node:http's default handling. */
  upgrade?: UpgradeHandler;
  /** Runs before an upgrade is accepted (token, rate limit); a refusal is answered on the raw socket (401 …). */
  authorizeUpgrade?: UpgradeCheck;
  /** Origins whose web pages may use this server (`server.allowed_origins`); see browser-guard.ts. */
  allowedOrigins?: readonly string[];
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, lets running streams finish for up to `graceMs`, then closes them. */
  close(graceMs?: number): Promise<void>;
}

const DEFAULT_MAX_BODY = 1024 * 1024;
const DEFAULT_PING_MS = 15_000;
const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const DEFAULT_BODY_TIMEOUT_MS = 30_000;
/** After the drain, how long a cut stream has to send its last event before its connection is closed. */
const CUT_GRACE_MS = 1000;

export function startServer(app: App, options: ServerOptions): Promise<RunningServer> {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const pingMs = options.pingMs ?? DEFAULT_PING_MS;
  const active = new Set<Promise<void>>();
  const policy: BrowserPolicy = { allowedOrigins: normaliseOrigins(options.allowedOrigins), tokenRequired: options.protection?.tokenRequired ?? false };
  // Streams still running when the drain ends: each is told why before it is closed.
  const cutters = new Set<() => void>();
  const context: ServeContext = { app, maxBody, pingMs, policy, protection: options.protection, cutters };
  const server = createServer(timeouts(options), (incoming, outgoing) => {
    const done = serve(context, incoming, outgoing).catch(() => {
      outgoing.destroy();
    });
    active.add(done);
    done.finally(() => active.delete(done));
  });
  const { upgrade } = options;
  if (upgrade) {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const startedAt = performance.now();
      const browser = checkBrowser(request.method ?? 'GET', request.headers, policy, true);
      // One access line per WebSocket, written when it ends (its duration is the connection's).
      const log = options.protection?.accessLog;
      // Who it was is read now: a closed socket no longer knows its address.
      const record = log && upgradeRecord(request, 0, options.protection!);
      const logWith = (status: number): void => {
        if (log && record) socket.once('close', () => log({ ...record, status, durationMs: performance.now() - startedAt }));
      };
      if (browser.refusal) {
        refuseUpgrade(socket, browser.refusal);
        return logWith(browser.refusal.httpStatus);
      }
      // The check may ask a shared backend (rate limits in Redis); the socket waits meanwhile.
      void refusedByCheck(options.authorizeUpgrade, request, socket).then(
        (refused) => logWith(refused ?? upgrade.handleUpgrade(request, socket, head)),
        () => socket.destroy(),
      );
    });
  }
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
          let backstop: NodeJS.Timeout | undefined;
          const timer = setTimeout(() => {
            for (const cut of cutters) cut();
            // A client that does not read never lets its stream end: cut it off shortly after.
            backstop = setTimeout(() => server.closeAllConnections(), CUT_GRACE_MS);
          }, graceMs);
          // WebSockets are not the HTTP server's connections: their own close sends 1001.
          await Promise.allSettled([...active, upgrade?.close(graceMs)]);
          clearTimeout(timer);
          clearTimeout(backstop);
          server.closeAllConnections();
          await closed;
        },
      });
    });
  });
}

/**
 * Node bounds the request phase only: `requestTimeout` runs until the request
 * body is complete, so a long SSE answer is not cut, while a client that
 * dribbles its headers or body (slow loris) is answered 408 and closed.
 * Deadlines are checked every `connectionsCheckingInterval`, hence the short one.
 */
function timeouts(options: ServerOptions): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const requestTimeout = Math.max(headersTimeout, options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS);
  return { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.min(1000, Math.ceil(headersTimeout / 4)) };
}

/** What every request of one server is served with. */
interface ServeContext {
  app: App;
  maxBody: number;
  pingMs: number;
  policy: BrowserPolicy;
  protection: Protection | undefined;
  cutters: Set<() => void>;
}

function upgradeRecord(request: IncomingMessage, status: number, protection: Protection): AccessRecord {
  const url = new URL(request.url ?? '/', 'http://localhost');
  return {
    method: request.method ?? 'GET',
    path: url.pathname,
    status,
    durationMs: 0,
    client: protection.clientOf(request.headers, url, request.socket.remoteAddress),
  };
}

async function serve({ app, maxBody, pingMs, policy, protection, cutters }: ServeContext, incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  const startedAt = performance.now();
  const controller = new CallController();
  const url = new URL(incoming.url ?? '/', 'http://localhost');
  const method = incoming.method ?? 'GET';
  const browser = checkBrowser(method, incoming.headers, policy);
  let admission: Admission | undefined;
  let closed = false;
  // Listening before the first await: a client that leaves while the gate asks Redis is still seen leaving.
  outgoing.on('close', () => {
    closed = true;
    if (!outgoing.writableFinished) controller.abort();
    admission?.slot?.release();
    protection?.accessLog?.({
      method,
      path: url.pathname,
      status: outgoing.statusCode,
      durationMs: performance.now() - startedAt,
      client: admission?.client ?? incoming.socket.remoteAddress ?? 'unknown',
      clientLeft: !outgoing.writableFinished,
    });
  });
  // A page's request refused by the guard uses up nothing: no rate allowance, no slot.
  admission = browser.refusal || browser.preflight ? undefined : await protection?.admit(method, url, incoming.headers, incoming.socket.remoteAddress, app.streams(method, url.pathname));
  // A slot taken after the client left (the gate awaits a shared backend) is given back at once.
  const releaseIfGone = (): void => {
    if (closed) admission?.slot?.release();
  };
  const headers = { ...admission?.headers, ...browser.headers };
  if (browser.preflight) {
    await write({ status: 204, headers: {} }, incoming, outgoing, pingMs, headers);
    return;
  }
  const refusal = browser.refusal ?? (await refusalBeforeRouting(app, method, url, admission, protection)) ?? browser.notJson;
  releaseIfGone();
  if (refusal) {
    await write(errorResponse(refusal), incoming, outgoing, pingMs, { ...headers, ...admission?.headers });
    return;
  }
  const request: AppRequest = {
    method,
    path: url.pathname,
    query: url.searchParams,
    headers: incoming.headers as Record<string, string | undefined>,
    json: async () => {
      const body = await readJson(incoming, maxBody);
      if (admission) await protection!.checkBody(admission, url.pathname, body).finally(releaseIfGone);
      return body;
    },
    signal: controller.signal,
    client: admission?.client ?? incoming.socket.remoteAddress ?? 'unknown',
  };
  // The service counts each client's spending (server.budget_per_day) by who is in scope.
  await runAsClient(request.client ?? 'unknown', async () => {
    let response = await app(request);
    const refused = response.stream && admission ? await protection!.openStream(admission) : undefined;
    releaseIfGone();
    if (refused) {
      await stopStream(response.stream!);
      response = errorResponse(refused);
    }
    // Cut by the end of a shutdown's drain: the model call stops, the client hears why.
    const cut = (): void => controller.abort();
    await write(response, incoming, outgoing, pingMs, { ...headers, ...admission?.headers }, { cutters, cut });
  });
}

/** The error to answer without routing: the gate's refusal (token, rate, streams) or a path no route can decode. */
async function refusalBeforeRouting(app: App, method: string, url: URL, admission: Admission | undefined, protection: Protection | undefined): Promise<AishError | undefined> {
  // Routes declared as streams take their slot before the model is called.
  if (admission && !admission.refusal && app.streams(method, url.pathname)) await protection!.openStream(admission);
  if (admission?.refusal) return admission.refusal;
  if (!decodablePath(url.pathname)) return new AishError('BAD_REQUEST', 'the path is not valid percent-encoded UTF-8');
  return undefined;
}

/** Routes decode ids from the path (`%2F`, `%C3%A9`); a bad escape (`%ZZ`, `%FF`) is the client's error, not a 500. */
function decodablePath(path: string): boolean {
  if (!path.includes('%')) return true;
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** A stream refused after its route started it: its model call is stopped. */
async function stopStream(stream: AsyncIterable<string>): Promise<void> {
  await stream[Symbol.asyncIterator]().return?.();
}

async function readJson(incoming: IncomingMessage, maxBody: number): Promise<unknown> {
  const declared = Number(incoming.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBody) throw tooLarge(maxBody);
  const chunks = await readBody(incoming, maxBody);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new AishError('BAD_REQUEST', 'the request body must be a JSON object');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AishError('BAD_REQUEST', `malformed JSON: ${(error as Error).message}`);
  }
}

/**
 * The body's chunks, or PAYLOAD_TOO_LARGE once it passes `maxBody`. Read with
 * events, not `for await`: leaving an async iterator destroys the request and
 * with it the socket, and the client would get a reset instead of the 413.
 * Past the limit the rest keeps flowing and is thrown away.
 */
function readBody(incoming: IncomingMessage, maxBody: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error?: AishError): void => {
      incoming.off('data', onData).off('end', onEnd).off('error', onFailure).off('close', onFailure);
      if (error) reject(error);
      else resolve(chunks);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBody) done(tooLarge(maxBody));
      else chunks.push(chunk);
    };
    const onEnd = (): void => done();
    // The client went away (or was cut off by the body deadline) mid-body.
    const onFailure = (error?: unknown): void =>
      done(new AishError('CANCELLED', 'the client closed the connection while sending its request', undefined, { cause: error }));
    incoming.on('data', onData).on('end', onEnd).on('error', onFailure).on('close', onFailure);
  });
}

function tooLarge(maxBody: number): AishError {
  return new AishError('PAYLOAD_TOO_LARGE', `the request body is larger than ${maxBody} bytes`, { max_body: maxBody });
}

async function write(response: AppResponse, incoming: IncomingMessage, outgoing: ServerResponse, pingMs: number, extraHeaders: Record<string, string>, shutdown?: Cuttable): Promise<void> {
  // A body not yet received (a 413, an early error) must not be taken as the next
  // request; one fully received but unread is discarded by node, so keep-alive stays.
  const unread = !incoming.complete;
  const headers: Record<string, string> = { ...extraHeaders, ...response.headers };
  if (unread) headers.connection = 'close';
  if (response.status === 204) {
    outgoing.writeHead(204, headers);
    outgoing.end();
    if (unread) incoming.resume();
    return;
  }
  if (!response.stream) {
    const body = response.body ?? JSON.stringify(response.json ?? errorResponse(new AishError('INTERNAL', 'empty response')).json);
    outgoing.writeHead(response.status, { 'content-type': 'application/json; charset=utf-8', ...headers, 'content-length': Buffer.byteLength(body) });
    if (unread) lingerOnClose(incoming);
    outgoing.end(body);
    if (unread) incoming.resume();
    return;
  }
  outgoing.writeHead(response.status, headers);
  await writeStream(response.stream, outgoing, pingMs, shutdown);
}

/** How long, and how many more bytes, a refused request's body is read and thrown away before its connection is closed. */
const LINGER_MS = 5000;
const LINGER_BYTES = 16 * 1024 * 1024;

/**
 * A lingering close for a request answered before its body was read (a 413):
 * closing at once would reset the connection while the client is still
 * sending, and most clients (node:http, undici) then report EPIPE or
 * ECONNRESET instead of the answer. So node's close after the response is
 * replaced by: finish sending (FIN), keep reading and discarding what the
 * client sends until it stops, for at most LINGER_MS and LINGER_BYTES, then close.
 */
function lingerOnClose(incoming: IncomingMessage): void {
  const socket = incoming.socket as Socket & { destroySoon?: () => void };
  socket.destroySoon = () => {
    let discarded = 0;
    const close = (): void => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(close, LINGER_MS);
    socket.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > LINGER_BYTES) close();
    });
    socket.once('end', close);
    socket.once('close', () => clearTimeout(timer));
    socket.end();
  };
}
