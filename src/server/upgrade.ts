/**
 * HTTP upgrades (WebSocket): who handles them, and how one is refused on the
 * raw socket before any WebSocket exists (a plain HTTP error response with
 * the protocol's JSON error body, then the socket is closed).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { AishError } from '../protocol/index.js';
import { errorResponse } from './errors.js';

/** What the node:http adapter hands `upgrade` requests to (the WebSocket server in ws.ts). */
export interface UpgradeHandler {
  /** Takes over the socket: accepts the WebSocket or refuses with an HTTP error; returns the status answered (101 when accepted). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): number;
  /** Lets running calls finish for up to `graceMs`, then closes every WebSocket (1001). */
  close(graceMs: number): Promise<void>;
}

/**
 * A check run before an upgrade is accepted (the token, rate limits):
 * undefined lets it through, an error refuses it with that error's HTTP
 * status (401 for `UNAUTHORIZED`, 429 for `RATE_LIMITED` …) and `headers`.
 */
export type UpgradeCheck = (request: IncomingMessage) => UpgradeVerdict | Promise<UpgradeVerdict>;

/** What an `UpgradeCheck` decides: undefined lets the upgrade through. */
export type UpgradeVerdict = AishError | { error: AishError; headers?: Record<string, string> } | undefined;

/** Answers an upgrade request with an HTTP error and closes the socket; returns the status sent. */
export function refuseUpgrade(socket: Duplex, error: unknown, headers: Record<string, string> = {}): number {
  const response = errorResponse(error);
  const body = JSON.stringify(response.json);
  const lines = [
    `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  if (!socket.writable) {
    socket.destroy();
    return response.status;
  }
  socket.on('error', () => {});
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  // A client that never reads must not keep the socket open.
  setTimeout(() => socket.destroy(), 1000).unref();
  return response.status;
}

/** Runs an `UpgradeCheck` and refuses the upgrade when it says no: the status it was refused with, undefined when it may go on. */
export async function refusedByCheck(check: UpgradeCheck | undefined, request: IncomingMessage, socket: Duplex): Promise<number | undefined> {
  if (!check) return undefined;
  let verdict: UpgradeVerdict;
  try {
    verdict = await check(request);
  } catch (error) {
    verdict = error instanceof AishError ? error : new AishError('INTERNAL', (error as Error).message);
  }
  if (!verdict) return undefined;
  if (verdict instanceof AishError) return refuseUpgrade(socket, verdict);
  return refuseUpgrade(socket, verdict.error, verdict.headers);
}
