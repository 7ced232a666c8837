/**
 * The records of an `--each` stage's input, read as they arrive (an endless
 * input is fine): lines, paragraphs (separated by blank lines), NUL-terminated
 * (as `xargs -0`) or JSON lines. A record comes without its separator.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { RecordKind } from '../plan/index.js';
import type { StdinState } from './context.js';
import type { Source } from './streams.js';

/** One record; `invalid` says why a JSON line is not JSON (a failed record, kept in place). */
export interface InputRecord {
  text: string;
  invalid?: string;
}

/** What ends a record in the output: the same separator as the input's. */
export function recordSeparator(kind: RecordKind): string {
  return kind === 'paragraphs' ? '\n\n' : kind === 'nul' ? '\0' : '\n';
}

/** The records of `source`, in order, read as they arrive. */
export async function* readRecords(source: Source, stdin: StdinState, kind: RecordKind): AsyncIterable<InputRecord> {
  const pieces = kind === 'nul' ? splitOn(chunks(source, stdin), '\0') : splitOn(chunks(source, stdin), '\n');
  if (kind === 'paragraphs') {
    let paragraph: string[] = [];
    for await (const line of pieces) {
      if (line.trim() === '') {
        if (paragraph.length > 0) yield { text: paragraph.join('\n') };
        paragraph = [];
      } else paragraph.push(line);
    }
    if (paragraph.length > 0) yield { text: paragraph.join('\n') };
    return;
  }
  for await (const piece of pieces) {
    const text = kind === 'nul' ? piece : piece.replace(/\r$/, '');
    if (kind !== 'jsonl' || text.trim() === '') {
      yield { text };
      continue;
    }
    try {
      JSON.parse(text);
      yield { text };
    } catch (error) {
      yield { text, invalid: `not a JSON value (${(error as Error).message})` };
    }
  }
}

/** The text between separators; a last piece without one counts when it is not empty. */
async function* splitOn(input: AsyncIterable<string>, separator: string): AsyncIterable<string> {
  let pending = '';
  for await (const chunk of input) {
    pending += chunk;
    let start = 0;
    for (let end = pending.indexOf(separator); end >= 0; end = pending.indexOf(separator, start)) {
      yield pending.slice(start, end);
      start = end + 1;
    }
    pending = pending.slice(start);
  }
  if (pending !== '') yield pending;
}

/** The source's text in chunks as they arrive (UTF-8 decoded across chunk edges). */
async function* chunks(source: Source, stdin: StdinState): AsyncIterable<string> {
  let stream: Readable;
  switch (source.kind) {
    case 'none':
      return;
    case 'text':
      yield source.text;
      return;
    case 'fd':
      stream = createReadStream('', { fd: source.fd, autoClose: false });
      break;
    case 'stream':
      stream = source.stream;
      break;
    case 'stdin':
      if (stdin.isTTY || stdin.isScript || stdin.consumed) return;
      stdin.consumed = true;
      stream = process.stdin;
      break;
  }
  const decoder = new StringDecoder('utf8');
  for await (const chunk of stream) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    if (text !== '') yield text;
  }
  const rest = decoder.end();
  if (rest !== '') yield rest;
}
