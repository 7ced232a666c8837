/**
 * `POST /mcp`: MCP over Streamable HTTP, stateless (each request is answered
 * by a fresh MCP server instance, so any replica can answer any request).
 * The route sits behind the same token, rate limit and stream slots as every
 * route; the SDK's handler speaks web-standard Request/Response, which this
 * file converts from and to the server core's own request and response. The
 * SDK is loaded on the first MCP request, not when the server starts.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { LineRunner, McpBackend } from '../mcp/index.js';
import type { SpecialistService } from '../service/index.js';
import type { AppRequest, AppResponse, Handler, Route } from './types.js';

/** Headers that describe the connection or a body the handler does not read again (it gets the parsed body). */
const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade']);

interface McpFetch {
  fetch: (request: Request, options?: { parsedBody?: unknown }) => Promise<Response>;
}

export function mcpRoutes(service: SpecialistService, runLine: LineRunner | undefined): Route[] {
  const backend: McpBackend = { specialists: service, ...(runLine && { runLine }), onStatus: (listener) => service.onStatus(listener) };
  let handler: Promise<McpFetch> | undefined;
  const running = new RunningCalls();
  const mcp: Handler = async (request) => {
    handler ??= import('../mcp/index.js').then(({ mcpHttpHandler }) => mcpHttpHandler(backend));
    const parsedBody = await request.json();
    running.cancelNamedIn(request, parsedBody);
    const call = running.start(request, parsedBody);
    try {
      const response = await (await handler).fetch(webRequest(request, call.signal), { parsedBody });
      return await appResponse(response, call);
    } catch (error) {
      call.end();
      throw error;
    }
  };
  return [{ method: 'POST', pattern: /^\/mcp$/, handler: mcp, streams: true }];
}

/**
 * Requests being answered, by client and JSON-RPC id. A 2025-era client
 * cancels with `notifications/cancelled` in a POST of its own, which a
 * stateless server would answer with a fresh instance that knows nothing of
 * the call: so the cancel is matched here and aborts the call's request,
 * which stops its model call (on this replica; one that another replica
 * answers runs to its end).
 */
class RunningCalls {
  private readonly calls = new Map<string, AbortController>();

  start(request: AppRequest, body: unknown): { signal: AbortSignal; end: () => void } {
    const controller = new AbortController();
    const stop = (): void => controller.abort(request.signal.reason);
    request.signal.addEventListener('abort', stop, { once: true });
    const id = requestId(body);
    const key = id === undefined ? undefined : this.key(request, id);
    if (key) this.calls.set(key, controller);
    return {
      signal: controller.signal,
      end: () => {
        request.signal.removeEventListener('abort', stop);
        if (key && this.calls.get(key) === controller) this.calls.delete(key);
      },
    };
  }

  cancelNamedIn(request: AppRequest, body: unknown): void {
    const message = body as { method?: unknown; params?: { requestId?: unknown } } | null;
    if (message?.method !== 'notifications/cancelled') return;
    const id = message.params?.requestId;
    if (typeof id === 'string' || typeof id === 'number') this.calls.get(this.key(request, id))?.abort();
  }

  private key(request: AppRequest, id: string | number): string {
    return `${request.client ?? ''}\n${request.headers.authorization ?? ''}\n${typeof id}:${id}`;
  }
}

function requestId(body: unknown): string | number | undefined {
  const message = body as { id?: unknown; method?: unknown } | null;
  if (typeof message?.method !== 'string') return undefined;
  return typeof message.id === 'string' || typeof message.id === 'number' ? message.id : undefined;
}

function webRequest(request: AppRequest, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || HOP_HEADERS.has(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const query = request.query.size > 0 ? `?${request.query}` : '';
  return new Request(`http://aish${request.path}${query}`, { method: request.method, headers, signal });
}

/** A request being answered: its signal (the client left, or cancelled it) and what to run once its answer is out. */
export interface Call {
  signal: AbortSignal;
  end: () => void;
}

/**
 * A JSON answer (or an empty 202) is sent whole. The SDK answers a 2025-era
 * request with an SSE stream: one that ends within WHOLE_WITHIN_MS holding
 * just the answer is sent as that answer's JSON body (the transport allows
 * either; one write, and nothing for the client to parse as a stream); one
 * still running then streams as it comes, so its client has the headers while
 * the call runs. `call.end` runs once it is all out.
 */
export async function appResponse(response: Response, call: Call): Promise<AppResponse> {
  const headers = Object.fromEntries(response.headers);
  if (!response.body || !headers['content-type']?.startsWith('text/event-stream')) {
    const body = await response.text();
    call.end();
    return { status: response.status, headers, body };
  }
  const reader = response.body.getReader();
  const start = await readFor(reader, WHOLE_WITHIN_MS);
  if (start.next) return { status: response.status, headers, stream: textOf(reader, start.chunks, start.next, call) };
  call.end();
  const text = Buffer.concat(start.chunks).toString('utf8');
  const answer = soleMessage(text);
  if (answer === undefined) return { status: response.status, headers, body: text };
  return { status: response.status, headers: { ...headers, 'content-type': 'application/json' }, body: answer };
}

/** How long the SDK's SSE answer may take to end and still be sent whole (most tool calls end in a millisecond or two). */
const WHOLE_WITHIN_MS = 20;

/** A read of the SDK's stream, not yet answered. */
type PendingRead = ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>;

/** What the stream gave within `ms`; `next` is the read still waiting when it had not ended by then. */
async function readFor(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  ms: number,
): Promise<{ chunks: Uint8Array[]; next?: PendingRead }> {
  const chunks: Uint8Array[] = [];
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, ms, 'late')));
  try {
    for (;;) {
      const next = reader.read();
      const result = await Promise.race([next, late]);
      if (result === 'late') return { chunks, next };
      if (result.done) return { chunks };
      chunks.push(result.value);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** The data of the one `message` event `text` holds (a JSON-RPC message), or undefined when it holds anything else. */
function soleMessage(text: string): string | undefined {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(text);
  parser.reset({ consume: true });
  const [event] = events;
  return events.length === 1 && event!.id === undefined && (event!.event ?? 'message') === 'message' ? event!.data : undefined;
}

/** The stream's text: what was read already, then the waiting read `next`, then the rest. */
async function* textOf(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  read: Uint8Array[],
  next: PendingRead,
  { signal, end }: Call,
): AsyncIterable<string> {
  const decoder = new TextDecoder();
  // A cancelled call (or a client that left) may leave the SDK's stream open: end it here.
  const stop = (): void => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', stop, { once: true });
  if (signal.aborted) stop();
  try {
    for (const chunk of read) yield decoder.decode(chunk, { stream: true });
    for (let waiting = next; ; waiting = reader.read()) {
      const { done, value } = await waiting;
      if (done) break;
      yield decoder.decode(value, { stream: true });
    }
  } finally {
    signal.removeEventListener('abort', stop);
    end();
    // A client that left (or a shutdown's cut) ends the SDK's stream too.
    await reader.cancel().catch(() => {});
  }
}
