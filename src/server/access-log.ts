/**
 * One line per request on stderr (info level): time, method, path, status,
 * duration and who asked. Never the query string (it may hold `?token=` or a
 * message as `?content=`), never a body, never a token: a client that sent
 * one is named by a hash of it.
 */

/** What is known about a request once its response has ended. */
export interface AccessRecord {
  method: string;
  /** The path without its query string. */
  path: string;
  status: number;
  durationMs: number;
  /** The client's address, or a token's label (never the token). */
  client: string;
  /** The client left before the response was complete (a stream it stopped reading). */
  clientLeft?: boolean;
}

/** Where access lines go; undefined means no access log (`-q`). */
export type AccessLog = (record: AccessRecord) => void;

/** Paths are the client's text: long ones are cut and control characters escaped, so one request is one line. */
const MAX_PATH_CHARS = 200;

export function formatAccessLine(record: AccessRecord, at: Date = new Date()): string {
  const path = record.path.length > MAX_PATH_CHARS ? `${record.path.slice(0, MAX_PATH_CHARS)}…` : record.path;
  const left = record.clientLeft ? ' (client left)' : '';
  return `aish: ${at.toISOString()} ${printable(record.method)} ${printable(path)} ${record.status} ${Math.round(record.durationMs)}ms client=${record.client}${left}\n`;
}

/**
 * An access log writing lines to `stream` (stderr for `aish serve`). The lines of one turn of
 * the event loop go out in one write, once its callbacks have run: a write to stderr is a
 * system call, and a busy server ends many requests in a turn (a thousand streams that end
 * together cost one write instead of a thousand). Lines still waiting when the process exits
 * are written then.
 */
export function streamAccessLog(stream: NodeJS.WritableStream): AccessLog {
  let waiting = '';
  const flush = (): void => {
    const text = waiting;
    waiting = '';
    if (text !== '') stream.write(text);
  };
  process.on('exit', flush);
  return (record) => {
    if (waiting === '') setImmediate(flush);
    waiting += formatAccessLine(record);
  };
}

// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f\s]/;
// eslint-disable-next-line no-control-regex
const UNPRINTABLES = /[\u0000-\u001f\u007f\s]/g;

function printable(text: string): string {
  // Nearly every method and path is printable already: tested first, not rebuilt (once per request).
  if (!UNPRINTABLE.test(text)) return text;
  return text.replace(UNPRINTABLES, (char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
}
