/**
 * `POST /mcp`: MCP over Streamable HTTP, stateless (each request is answered
 * by a fresh MCP server instance, so any replica can answer any request).
 * The route sits behind the same token, rate limit and stream slots as every
 * route; the SDK's handler speaks web-standard Request/Response, which this
 * file converts from and to the server core's own request and response. The
 * SDK is loaded on the first MCP request, not when the server starts.
 */
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

/** An SSE answer streams as it comes; any other (JSON, or an empty 202) is sent whole. `call.end` runs once it is all out. */
async function appResponse(response: Response, call: { signal: AbortSignal; end: () => void }): Promise<AppResponse> {
  const headers = Object.fromEntries(response.headers);
  if (!response.body || !headers['content-type']?.startsWith('text/event-stream')) {
    const body = await response.text();
    call.end();
    return { status: response.status, headers, body };
  }
  return { status: response.status, headers, stream: textOf(response.body, call) };
}

async function* textOf(body: ReadableStream<Uint8Array>, { signal, end }: { signal: AbortSignal; end: () => void }): AsyncIterable<string> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  // A cancelled call (or a client that left) may leave the SDK's stream open: end it here.
  const stop = (): void => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
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
