/** Cutting a recorded body into pieces, for replays that cross every kind of boundary. */
import type { Pacing } from './fake-provider-server.js';
import { fixtureBody, utf8SplitOffsets } from './fixtures.js';

/** Offsets that cut a body of `length` bytes into pieces of 1–40 bytes, the same pieces for the same seed. */
export function randomPieces(length: number, seed: number): number[] {
  const cuts: number[] = [];
  let state = seed;
  for (let offset = 0; offset < length; ) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    offset += 1 + (state % 40);
    cuts.push(offset);
  }
  return cuts;
}

/** The four ways a fixture's body is replayed, each with its name for a test title. */
export function pacings(file: string, seed = 7): [string, Pacing][] {
  return [
    ['in one piece', 'whole'],
    ['one byte per write', 'bytes'],
    ['cut inside every multi-byte character', { splitAt: utf8SplitOffsets(file) }],
    ['in random 1–40-byte pieces', { splitAt: randomPieces(fixtureBody(file).length, seed) }],
  ];
}
