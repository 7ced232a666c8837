/**
 * A fake provider: a node:http server on 127.0.0.1 (random port) that answers
 * every request with a recorded reply, byte for byte, paced as a test asks,
 * and records what it was sent and when each connection closed.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** A status line, headers and body to send back. */
export interface Reply {
  status: number;
  /** The reason phrase; '' for a status with none (Anthropic's 529). */
  reason?: string;
  headers: [string, string][];
  body: Buffer;
}

/**
 * How the body is written: in one piece; one byte per write with a
 * `setImmediate` between writes; in pieces cut at given offsets; or its first
 * `stallAfter` bytes and then nothing, with the response left open.
 */
export type Pacing = 'whole' | 'bytes' | { splitAt: number[] } | { stallAfter: number };

/** One request as the server received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Resolves when the connection this request came on closes. */
  socketClosed: Promise<void>;
}

/** A running fake provider. */
export interface FakeProviderServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  origin: string;
  requests: RecordedRequest[];
  /** Resolves once request number `index` (0 = the first) has arrived whole, so a test can act on that event instead of a timer. */
  received(index?: number): Promise<RecordedRequest>;
  /** How many TCP connections clients opened. */
  connections(): number;
  close(): Promise<void>;
}

/** Starts a server that answers every request with `reply` (or `reply(request)`), paced by `pacing`. */
export async function startFakeProviderServer(
  reply: Reply | ((request: RecordedRequest) => Reply),
  pacing: Pacing = 'whole',
): Promise<FakeProviderServer> {
  const requests: RecordedRequest[] = [];
  const waiting: { index: number; resolve: (request: RecordedRequest) => void }[] = [];
  const closedSockets = new WeakMap<Socket, Promise<void>>();
  let connections = 0;
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const recorded: RecordedRequest = {
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      socketClosed: closedSockets.get(request.socket) ?? Promise.resolve(),
    };
    requests.push(recorded);
    for (const waiter of waiting.filter((entry) => entry.index === requests.length - 1)) waiter.resolve(recorded);
    const answer = typeof reply === 'function' ? reply(recorded) : reply;
    response.socket?.setNoDelay(true);
    response.writeHead(answer.status, answer.reason ?? '', answer.headers.flat());
    await writeBody(response, answer.body, pacing);
  });
  server.on('connection', (socket) => {
    connections++;
    closedSockets.set(socket, new Promise((resolve) => socket.once('close', () => resolve())));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    received: (index = 0) => {
      const arrived = requests[index];
      return arrived ? Promise.resolve(arrived) : new Promise((resolve) => waiting.push({ index, resolve }));
    },
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function writeBody(response: ServerResponse, body: Buffer, pacing: Pacing): Promise<void> {
  if (pacing === 'whole') {
    response.end(body);
    return;
  }
  if (typeof pacing === 'object' && 'stallAfter' in pacing) {
    // Headers and the first bytes go out; the response then stays open until the client leaves.
    response.write(body.subarray(0, pacing.stallAfter));
    return;
  }
  const cuts = pacing === 'bytes' ? Array.from({ length: body.length }, (_, index) => index) : [...pacing.splitAt].sort((a, b) => a - b);
  const offsets = [...new Set([0, ...cuts.filter((cut) => cut > 0 && cut < body.length), body.length])];
  for (let index = 0; index + 1 < offsets.length; index++) {
    if (response.destroyed) return;
    response.write(body.subarray(offsets[index], offsets[index + 1]));
    await nextTurn();
  }
  response.end();
}

/** A port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
