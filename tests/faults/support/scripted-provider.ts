/**
 * A scriptable fake OpenAI-compatible provider (node:http on 127.0.0.1, a
 * random port) for fault injection: each request to `/v1/chat/completions`
 * takes the next step of a script (an answer, an error status with headers,
 * a hang, tokens then a failure, raw bytes); when the script runs out, every
 * further request gets the fallback step. It records what it was sent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** What one request gets. */
export type Step =
  /**
   * A whole streamed answer: one chunk per piece, then a finish chunk and `[DONE]`;
   * `delayMs` waits before the first piece, `usage` adds a usage chunk (prompt and completion tokens).
   */
  | { kind: 'answer'; pieces: string[]; delayMs?: number; usage?: { prompt: number; completion: number } }
  /** An error status with a JSON error body (and headers such as `retry-after`). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; message?: string; reason?: string }
  /** The request is read and never answered: no status line, no byte. */
  | { kind: 'hang' }
  /** A 200 whose pieces stream, then `then`: an in-stream error event, the socket destroyed, or silence with the response open. */
  | { kind: 'pieces-then'; pieces: string[]; then: 'overloaded' | 'drop' | 'stall' }
  /** A 200 with these bytes written as they are (each element one write), then the response ends. */
  | { kind: 'raw'; writes: (string | Buffer)[] };

export interface ScriptedRequest {
  path: string;
  body: string;
  /** Resolves when this request's connection closes. */
  closed: Promise<void>;
}

export interface ScriptedProvider {
  /** `http://127.0.0.1:<port>`; the OpenAI base URL is this plus `/v1`. */
  origin: string;
  requests: ScriptedRequest[];
  /** The most requests that were being answered at once. */
  maxInFlight(): number;
  /** Replaces what is left of the script. */
  script(steps: Step[]): void;
  close(): Promise<void>;
}

/** One OpenAI chat-completion chunk carrying `text`, as an SSE event. */
export function chunk(text: string): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-fault', object: 'chat.completion.chunk', model: 'fake', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;
}

/** A chunk reporting token usage, as OpenAI sends with `stream_options.include_usage`. */
export function usageChunk(prompt: number, completion: number): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-fault', object: 'chat.completion.chunk', model: 'fake', choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } })}\n\n`;
}

/** The finish chunk and the end marker. */
export const FINISH = `data: ${JSON.stringify({ id: 'chatcmpl-fault', object: 'chat.completion.chunk', model: 'fake', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`;

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

/** The text of the last message a chat-completion request sends (what a step may answer from). */
export function lastMessage(request: ScriptedRequest): string {
  const body = JSON.parse(request.body) as { messages: { content: string }[] };
  return body.messages[body.messages.length - 1]!.content;
}

/** `fallback` may be a function of the request: an answer built from what was sent. */
export async function startScriptedProvider(steps: Step[] = [], fallback: Step | ((request: ScriptedRequest) => Step) = { kind: 'answer', pieces: ['fine'] }): Promise<ScriptedProvider> {
  let queue = [...steps];
  let inFlight = 0;
  let maxInFlight = 0;
  const requests: ScriptedRequest[] = [];
  const sockets = new Set<Socket>();
  const closedSockets = new WeakMap<Socket, Promise<void>>();
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const piece of request) chunks.push(piece as Buffer);
    const recorded = { path: request.url ?? '', body: Buffer.concat(chunks).toString('utf8'), closed: closedSockets.get(request.socket) ?? Promise.resolve() };
    requests.push(recorded);
    const step = queue.shift() ?? (typeof fallback === 'function' ? fallback(recorded) : fallback);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    response.once('close', () => inFlight--);
    await play(step, request, response);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    closedSockets.set(socket, new Promise((resolve) => socket.once('close', () => resolve())));
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    maxInFlight: () => maxInFlight,
    script: (next) => {
      queue = [...next];
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function play(step: Step, request: IncomingMessage, response: ServerResponse): Promise<void> {
  response.socket?.setNoDelay(true);
  switch (step.kind) {
    case 'hang':
      return;
    case 'status': {
      const body = JSON.stringify({ error: { message: step.message ?? `fault ${step.status}`, type: 'server_error' } });
      response.writeHead(step.status, step.reason ?? '', { 'content-type': 'application/json', ...step.headers });
      response.end(body);
      return;
    }
    case 'answer':
      response.writeHead(200, SSE_HEADERS);
      if (step.delayMs) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
      for (const piece of step.pieces) {
        if (response.destroyed) return;
        if (!response.write(chunk(piece))) await new Promise((resolve) => response.once('drain', resolve));
      }
      if (step.usage) response.write(usageChunk(step.usage.prompt, step.usage.completion));
      response.end(FINISH);
      return;
    case 'pieces-then':
      response.writeHead(200, SSE_HEADERS);
      for (const piece of step.pieces) {
        response.write(chunk(piece));
        await nextTurn();
      }
      // Let the pieces reach the client before the failure.
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (step.then === 'overloaded') {
        response.end(`event: error\ndata: ${JSON.stringify({ error: { message: 'Overloaded', type: 'overloaded_error', code: 529 } })}\n\n`);
      } else if (step.then === 'drop') {
        request.socket.destroy();
      }
      return;
    case 'raw':
      response.writeHead(200, SSE_HEADERS);
      for (const write of step.writes) {
        response.write(write);
        await nextTurn();
      }
      response.end();
      return;
  }
}
