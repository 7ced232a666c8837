/**
 * WebSocket JSON-RPC test helpers: a real server (HTTP + `/ws/ai/{id}`) on a
 * random loopback port, and a bare `ws` client that records every frame, so
 * tests see exactly what the server sent.
 */
import { WebSocket } from 'ws';
import { createApp, createWebSocketServer, startServer, type RunningServer, type WebSocketOptions } from '../../src/server/index.js';
import type { SpecialistService } from '../../src/service/index.js';
import { embeddedService } from './server.js';

export interface WsTestServer extends RunningServer {
  /** `ws://127.0.0.1:PORT/ws/ai/NAME` */
  wsUrl(name?: string): string;
  service: SpecialistService;
}

export async function startWsServer(
  options: Partial<WebSocketOptions> & { service?: SpecialistService; port?: number; authorizeUpgrade?: Parameters<typeof startServer>[1]['authorizeUpgrade'] } = {},
): Promise<WsTestServer> {
  const { service = embeddedService(), port = 0, authorizeUpgrade, ...ws } = options;
  const server = await startServer(createApp({ service }), {
    host: '127.0.0.1',
    port,
    upgrade: createWebSocketServer({ service, ...ws }),
    ...(authorizeUpgrade && { authorizeUpgrade }),
  });
  return { ...server, service, wsUrl: (name = 'apollo') => `${server.url.replace('http', 'ws')}/ws/ai/${name}` };
}

/** A connected client that keeps every frame the server sent, parsed. */
export interface RecordingClient {
  socket: WebSocket;
  frames: unknown[];
  /** Sends text as it is (so tests can send invalid JSON). */
  send(text: string): void;
  /** Resolves with the first recorded frame (from `from` on) that `match` accepts. */
  next(match: (frame: any) => boolean, from?: number): Promise<any>;
  /** Sends a frame and resolves with the response frame that answers it (the frame after it that is not a notification). */
  exchange(text: string): Promise<any>;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export async function connect(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<RecordingClient> {
  const socket = new WebSocket(url, options);
  const frames: unknown[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    frames.push(JSON.parse(String(data)));
    for (const waiter of [...waiters]) waiter();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  const next = (match: (frame: any) => boolean, from = 0): Promise<any> =>
    new Promise((resolve, reject) => {
      const look = (): boolean => {
        const found = frames.slice(from).find(match);
        if (found === undefined) return false;
        waiters.delete(check);
        resolve(found);
        return true;
      };
      const check = (): void => void look();
      if (look()) return;
      waiters.add(check);
      void closed.then(() => {
        if (!look()) reject(new Error(`closed before a matching frame came; frames: ${JSON.stringify(frames).slice(0, 500)}`));
      });
    });
  let exchanges = Promise.resolve();
  return {
    socket,
    frames,
    send: (text) => socket.send(text),
    next,
    // One exchange at a time: the answer is the first non-notification frame after the send.
    exchange: (text) => {
      const answer = exchanges.then(() => {
        const from = frames.length;
        socket.send(text);
        return next((frame) => Array.isArray(frame) || !('method' in frame), from);
      });
      exchanges = answer.then(
        () => undefined,
        () => undefined,
      );
      return answer;
    },
    closed,
    close: () => socket.close(),
  };
}
