/**
 * Bearer-token auth (docs/protocol.md "Errors, limits, security"): with a token set,
 * every request but `GET /health` needs `Authorization: Bearer TOKEN`, or
 * `?token=TOKEN` on a WebSocket upgrade and `GET …/stream` (browsers cannot
 * set headers there).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { AishError } from '../protocol/index.js';

/** Request headers as node gives them (names lower-case). */
export type RequestHeaders = Record<string, string | string[] | undefined>;

/**
 * Undefined when the request may go on, else the `UNAUTHORIZED` error to
 * answer with. `url` is given only where `?token=` is accepted: a WebSocket
 * upgrade and `GET …/stream` (what a browser's WebSocket and EventSource
 * need, since they cannot set headers). Elsewhere a token in the URL would
 * only end up in logs and browser history.
 */
export type Authorizer = (headers: RequestHeaders, url: URL | undefined) => AishError | undefined;

/** The header a 401 carries, so clients know which scheme to use. */
export const WWW_AUTHENTICATE = 'Bearer realm="aish"';

/**
 * The check for one server token; without a token every request passes.
 * Both sides are hashed first, so the comparison is constant-time and of
 * equal length whatever the caller sent.
 */
export function createAuthorizer(token: string | undefined): Authorizer {
  if (!token) return () => undefined;
  const expected = digest(token);
  return (headers, url) => {
    const given = presentedToken(headers, url);
    if (given === undefined) return new AishError('UNAUTHORIZED', 'this server needs a token: send Authorization: Bearer TOKEN');
    if (!timingSafeEqual(digest(given), expected)) return new AishError('UNAUTHORIZED', 'the token is not valid for this server');
    return undefined;
  };
}

/** The token a request presents: the Bearer header, else `?token=` of `url` (given where that is accepted). */
export function presentedToken(headers: RequestHeaders, url: URL | undefined): string | undefined {
  const header = headers.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined) {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value);
    return match?.[1];
  }
  return url?.searchParams.get('token') ?? undefined;
}

/** A short, stable name for a token in logs and rate-limit keys that does not reveal it. */
export function tokenLabel(token: string): string {
  return `token:${digest(token).toString('hex').slice(0, 10)}`;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Whether `host` only listens on this machine: `localhost`, 127.0.0.0/8 or
 * `::1` (also bracketed or IPv4-mapped). Anything else, names included, may be
 * reachable from elsewhere, so the server wants a token there.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  const mapped = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  if (isIP(mapped) === 4) return mapped.startsWith('127.');
  return isIP(bare) === 6 && (bare === '::1' || bare === '0:0:0:0:0:0:0:1');
}
