/**
 * The server core's own request and response: plain values, so routes are
 * tested without a socket (so every route is a function of its input). The node:http adapter turns
 * sockets into these and back.
 */

export interface AppRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  /** The body parsed as JSON; throws `BAD_REQUEST` or `PAYLOAD_TOO_LARGE` as an AishError. */
  json(): Promise<unknown>;
  /** Aborted when the client goes away: cancels the model call at once. */
  signal: AbortSignal;
  /** Who is asking, as rate limits count clients (the token's holder, else the address); absent outside the HTTP adapter. */
  client?: string;
}

export interface AppResponse {
  status: number;
  headers?: Record<string, string>;
  /** A JSON body, or … */
  json?: unknown;
  /** … a body sent as it is (its `content-type` in `headers`), or … */
  body?: string;
  /** … a stream of text (SSE), written as it comes, waiting for drain. */
  stream?: AsyncIterable<string>;
}

export type Handler = (request: AppRequest, params: Record<string, string>) => Promise<AppResponse>;

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  handler: Handler;
  /**
   * The answer is always a stream (SSE): the client's stream slot is taken
   * before the handler starts the model, and a browser `EventSource` may pass
   * its token as `?token=` (on GET). Routes that stream only when the body
   * says `stream: true` leave this unset; the body check takes their slot.
   */
  streams?: true;
}
