import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTextFile, TextFileTooLarge } from '../../src/protocol/index.js';

describe('readTextFile', () => {
  const folder = mkdtempSync(join(tmpdir(), 'aish-text-'));

  it('reads a file up to the limit whole', () => {
    writeFileSync(join(folder, 'ok.txt'), 'héllo\n');
    expect(readTextFile(join(folder, 'ok.txt'), 7)).toBe('héllo\n');
  });

  it('refuses a regular file over the limit by its size', () => {
    writeFileSync(join(folder, 'big.txt'), 'x'.repeat(11));
    expect(() => readTextFile(join(folder, 'big.txt'), 10)).toThrow(TextFileTooLarge);
  });

  it('stops reading a device that never ends at the limit', () => {
    expect(() => readTextFile('/dev/zero', 1000)).toThrow('larger than');
  });

  it('leaves other errors to the caller, with their code', () => {
    expect(() => readTextFile(join(folder, 'missing.txt'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
