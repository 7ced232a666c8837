/** The cache key's SHA-256 in plain JavaScript gives node:crypto's digest, byte for byte: keys already in a log still match. */
import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashNatively, sha256Hex } from '../../src/service/sha256.js';

const native = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('sha256Hex', () => {
  it('gives the known digests of the empty string and "abc"', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('matches node:crypto at every length around the 64-byte block and its padding', () => {
    for (let length = 0; length <= 200; length++) expect(sha256Hex('x'.repeat(length))).toBe(native('x'.repeat(length)));
  });

  it('hashes the UTF-8 bytes of any string, as node:crypto does', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => sha256Hex(text) === native(text)));
  });

  it('matches node:crypto on long texts too', () => {
    for (const text of ['é'.repeat(40_000), 'a'.repeat(64 * 1024 + 1), JSON.stringify({ message: 'x\u{1F600}'.repeat(50_000) })]) expect(sha256Hex(text)).toBe(native(text));
  });

  // Last: it switches the module for the rest of this file.
  it('gives the same digests once a server has it hash with node:crypto', () => {
    const texts = ['', 'abc', 'é'.repeat(100), 'a'.repeat(64 * 1024 + 1)];
    const before = texts.map(sha256Hex);
    hashNatively(crypto);
    expect(texts.map(sha256Hex)).toEqual(before);
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
