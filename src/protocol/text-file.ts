/**
 * The one way aish reads a file as text (config, specialists, scripts,
 * `source`, rc file, session imports): bounded, so `/dev/zero`, a FIFO that
 * never ends or a runaway file fails with a clear error instead of growing
 * until the kernel kills aish. It lives here, in the leaf module every reader
 * may import.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The most aish reads from one text file (a script, a config, a specialist). */
export const TEXT_FILE_LIMIT = 16 * 1024 * 1024;

/** A file over the limit; `code` is EFBIG so callers that sort errors by code can. */
export class TextFileTooLarge extends Error {
  override readonly name = 'TextFileTooLarge';
  readonly code = 'EFBIG';
  constructor(readonly limit: number) {
    super(`larger than ${limit / (1024 * 1024)} MiB, the most aish reads as a text file`);
  }
}

/**
 * Reads a whole file (a path, or an open descriptor such as 0) as UTF-8,
 * failing with `TextFileTooLarge` after `limit` bytes. Other errors are
 * fs's own (ENOENT, EISDIR …), for the caller to word.
 */
export function readTextFile(file: string | number, limit = TEXT_FILE_LIMIT): string {
  const fd = typeof file === 'number' ? file : openSync(file, 'r');
  try {
    const stat = fstatSync(fd);
    // A regular file says its size; a device or a pipe is read until the limit.
    if (stat.isFile() && stat.size > limit) throw new TextFileTooLarge(limit);
    const chunks: Buffer[] = [];
    let total = 0;
    const buffer = Buffer.allocUnsafe(65536);
    for (;;) {
      const count = readSync(fd, buffer, 0, Math.min(buffer.length, limit + 1 - total), null);
      if (count === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, count)));
      total += count;
      if (total > limit) throw new TextFileTooLarge(limit);
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    if (typeof file !== 'number') closeSync(fd);
  }
}
