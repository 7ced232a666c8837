/**
 * Clients that misbehave on purpose, over raw sockets where node's own client
 * would not let them: dribbling headers or a body (slow loris), leaving in the
 * middle of a stream, flooding, sending what no client should.
 */
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface RawReply {
  /** Everything the server sent before it closed the connection. */
  text: string;
  /** The status of the first response, if one came. */
  status: number | undefined;
  /** The server closed (or reset) the connection. */
  closed: boolean;
}

/** Opens a raw TCP connection to a server `url` (http://host:port). */
export function rawSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Collects what the server sends on `socket` until it closes it. */
export function untilClosed(socket: Socket): Promise<RawReply> {
  return new Promise((resolve) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => {});
    socket.once('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({ text, status: status === undefined ? undefined : Number(status), closed: true });
    });
  });
}

/**
 * Sends `text` one piece every `everyMs` (after `head`, sent at once), as a slow-loris client does, and
 * stops writing as soon as the server closes the connection. Resolves with
 * what the server answered once it closes the connection.
 */
export async function dribble(url: string, text: string, everyMs: number, options: { pieceBytes?: number; head?: string } = {}): Promise<RawReply & { sentBytes: number }> {
  const pieceBytes = options.pieceBytes ?? 1;
  const socket = await rawSocket(url);
  const reply = untilClosed(socket);
  // The head (say, complete request headers) goes at once; only `text` is dribbled.
  if (options.head !== undefined) socket.write(options.head);
  let sentBytes = 0;
  let stopped = false;
  socket.once('close', () => (stopped = true));
  const bytes = Buffer.from(text, 'utf8');
  void (async () => {
    while (!stopped && sentBytes < bytes.length) {
      socket.write(bytes.subarray(sentBytes, sentBytes + pieceBytes));
      sentBytes += pieceBytes;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  const result = await reply;
  return { ...result, sentBytes: Math.min(sentBytes, bytes.length) };
}

/**
 * POSTs `body` to a streaming `path` and leaves (destroys the connection) once
 * `leaveAfter` content events have arrived. Resolves with the text received.
 */
export function leaveMidStream(url: string, path: string, body: unknown, leaveAfter = 1, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = request(`${url}${path}`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        if ((text.match(/"type":"content"/g) ?? []).length >= leaveAfter) {
          req.destroy();
          resolve(text);
        }
      });
      res.on('end', () => reject(new Error(`the stream ended before ${leaveAfter} content events: ${text}`)));
    });
    req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)));
    req.end(JSON.stringify(body));
  });
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One plain HTTP request on its own connection; never rejects on an HTTP error status. */
export function call(url: string, method: string, path: string, options: { body?: string | Buffer; headers?: Record<string, string>; localAddress?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = { ...(options.body !== undefined && { 'content-type': 'application/json' }), ...options.headers };
    const req = request(`${url}${path}`, { method, agent: false, headers, ...(options.localAddress && { localAddress: options.localAddress }) }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** `count` requests at once; resolves with every reply. */
export function flood(url: string, count: number, path = '/api/v2/discovery/ais', headers: Record<string, string> = {}): Promise<Reply[]> {
  return Promise.all(Array.from({ length: count }, () => call(url, 'GET', path, { headers })));
}
