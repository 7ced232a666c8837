/** The one wording of a server's 401, for HTTP calls and WebSocket upgrades alike. */
import { AishError } from '../protocol/index.js';

/** `server` is the server's address as the user gave it (a WebSocket URL is shown as its http origin). */
export function unauthorized(server: string, tokenGiven: boolean): AishError {
  const base = /^wss?:/i.test(server) ? new URL(server).origin.replace(/^ws/i, 'http') : server;
  const message = tokenGiven
    ? `the server at ${base} did not accept the token: check --token or AISH_TOKEN`
    : `the server at ${base} needs a token: use --token or AISH_TOKEN`;
  return new AishError('UNAUTHORIZED', message, { url: base });
}
