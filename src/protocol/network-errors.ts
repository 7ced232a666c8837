/**
 * What a failed connection means, in words. Node and undici report network
 * failures as codes (`ECONNREFUSED`, `UND_ERR_SOCKET`…) that mean nothing to
 * most users; every message about a connection (providers, the remote client,
 * WebSocket) says what happened through this one table.
 */

const MEANINGS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset',
  ECONNABORTED: 'the connection was aborted',
  EPIPE: 'the connection was closed',
  UND_ERR_SOCKET: 'the connection was closed',
  UND_ERR_CLOSED: 'the connection was closed',
  UND_ERR_ABORTED: 'the request was aborted',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be looked up',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer came in time',
  UND_ERR_BODY_TIMEOUT: 'the answer stopped coming',
  UND_ERR_INVALID_ARG: 'the request could not be made',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate is not trusted (self-signed in the chain)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host name',
};

/** The code of a network error (`ECONNREFUSED`, `UND_ERR_SOCKET`…), looking through wrappers; undefined when it has none. */
export function networkErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const candidate = current as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof candidate.code === 'string') return candidate.code;
    // Happy-eyeballs connects fail with an AggregateError of one error per address.
    current = Array.isArray(candidate.errors) && candidate.errors.length > 0 ? candidate.errors[0] : candidate.cause;
  }
  return undefined;
}

/** What happened, for a message: `connection refused`, `the connection was closed`… (an unknown code is shown as is). */
export function describeNetworkError(error: unknown): string {
  const code = networkErrorCode(error);
  if (code !== undefined) return MEANINGS[code] ?? code;
  return error instanceof Error && error.message ? error.message : 'the connection failed';
}
