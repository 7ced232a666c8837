/**
 * Keeps web pages from using a local server behind the user's back. A page
 * the user visits can make the browser send requests to 127.0.0.1: it may
 * open a WebSocket (no CORS applies), send a `text/plain` POST (no preflight),
 * or rebind its own DNS name to 127.0.0.1 to read answers as "same origin".
 * So, before a request reaches the token check or a route:
 *
 * - a request carrying an `Origin` that is not the server's own (or listed in
 *   `server.allowed_origins`) is refused with 403, WebSocket upgrades included;
 *   a cross-site request without `Origin` (an `<img>` or `<script>` tag, told
 *   by `Sec-Fetch-Site`) is refused too, so no page can start model calls;
 * - without a token, a `Host` that is not a loopback name is refused with 403
 *   (DNS rebinding);
 * - a POST whose `Content-Type` is not `application/json` is 415 (after the
 *   token check: a client without the token hears 401 first);
 * - CORS headers are sent only to allowed origins, which also get preflights.
 */
import { AishError } from '../protocol/index.js';
import { isLoopbackHost, type RequestHeaders } from './auth.js';

export interface BrowserPolicy {
  /** Origins (`https://app.example`) whose pages may call this server; CORS is answered for them. */
  allowedOrigins?: readonly string[];
  /** With a token, a page cannot authenticate, so any `Host` may be used. */
  tokenRequired?: boolean;
}

/** What the guard decided for one request. */
export interface BrowserVerdict {
  /** Answer with this error (403) instead of going on. */
  refusal?: AishError;
  /** A POST that is not JSON (415): answered after the token check, so a client without the token hears 401 first. */
  notJson?: AishError;
  /** A CORS preflight from an allowed origin: answer 204 with `headers` and stop. */
  preflight?: boolean;
  /** CORS headers for an allowed origin; empty otherwise. */
  headers: Record<string, string>;
}

/** Methods and request headers an allowed origin may use (what the API needs). */
const CORS_METHODS = 'GET, POST, DELETE';
const CORS_REQUEST_HEADERS = 'authorization, content-type';
/** Response headers a page from an allowed origin may read (limits and auth). */
const CORS_EXPOSED = 'retry-after, www-authenticate, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset';

export function checkBrowser(method: string, headers: RequestHeaders, policy: BrowserPolicy, upgrade = false): BrowserVerdict {
  const verdict: BrowserVerdict = { headers: {} };
  const host = single(headers.host);
  if (!policy.tokenRequired && host !== undefined && !isLoopbackHost(hostName(host))) {
    verdict.refusal = forbidden(`this server answers only requests addressed to localhost, 127.0.0.1 or [::1] (Host: ${host.slice(0, 100)}); start it with a token to use another name`);
    return verdict;
  }
  const origin = single(headers.origin);
  const allowed = origin !== undefined && (policy.allowedOrigins ?? []).includes(origin.toLowerCase());
  if (origin !== undefined && !allowed && !isOwnOrigin(origin, host)) {
    verdict.refusal = forbidden(`requests from web pages at ${origin.slice(0, 100)} are not allowed (list the origin in server.allowed_origins to allow it)`);
    return verdict;
  }
  if (origin === undefined && crossSiteWithoutOrigin(headers)) {
    verdict.refusal = forbidden('cross-site requests from web pages are not allowed');
    return verdict;
  }
  if (allowed) {
    verdict.headers = { 'access-control-allow-origin': origin!, vary: 'Origin', 'access-control-expose-headers': CORS_EXPOSED };
    if (method === 'OPTIONS' && headers['access-control-request-method'] !== undefined) {
      verdict.preflight = true;
      Object.assign(verdict.headers, { 'access-control-allow-methods': CORS_METHODS, 'access-control-allow-headers': CORS_REQUEST_HEADERS, 'access-control-max-age': '600' });
      return verdict;
    }
  }
  if (!upgrade && method === 'POST' && !isJson(single(headers['content-type']))) {
    verdict.notJson = new AishError('UNSUPPORTED_MEDIA_TYPE', 'a POST body must be JSON sent with Content-Type: application/json', {
      content_type: single(headers['content-type']) ?? null,
    });
  }
  return verdict;
}

/** Config values as compared: origins are lower-case and have no trailing slash (`https://app.example:8443`). */
export function normaliseOrigins(origins: readonly string[] | undefined): string[] {
  return (origins ?? []).map((origin) => origin.trim().toLowerCase().replace(/\/+$/, ''));
}

/** The page was served by this server itself: same scheme-less host and port as `Host`. */
function isOwnOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  const own = host.toLowerCase();
  return origin.toLowerCase() === `http://${own}` || origin.toLowerCase() === `https://${own}`;
}

/**
 * A browser's no-cors request (`<img>`, `<script>`, a form GET) carries no
 * `Origin`, but says through `Sec-Fetch-Site` that another site caused it.
 * A top-level navigation (the user following a link) is let through.
 */
function crossSiteWithoutOrigin(headers: RequestHeaders): boolean {
  const site = single(headers['sec-fetch-site']);
  if (site !== 'cross-site' && site !== 'same-site') return false;
  return single(headers['sec-fetch-mode']) !== 'navigate';
}

function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  return contentType.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** `127.0.0.1:8003` → `127.0.0.1`; `[::1]:8003` → `[::1]`. */
function hostName(host: string): string {
  const bracketed = /^(\[[^\]]*\])(?::\d*)?$/.exec(host);
  if (bracketed) return bracketed[1]!;
  return host.replace(/:\d*$/, '');
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function forbidden(message: string): AishError {
  return new AishError('FORBIDDEN', message);
}
