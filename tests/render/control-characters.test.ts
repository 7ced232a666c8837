import { describe, expect, it } from 'vitest';
import { ControlCharacterStream, showControlCharacters } from '../../src/render/index.js';

describe('control characters on a terminal', () => {
  it('are shown in caret notation instead of being obeyed', () => {
    expect(showControlCharacters('a\x1b[2Jb\x07')).toBe('a^[[2Jb^G');
    expect(showControlCharacters('del\x7f c1\u009b31m')).toBe('del^? c1^[[31m');
  });

  it('keep tab, newline and a carriage return that ends a line', () => {
    expect(showControlCharacters('a\tb\r\nc\n')).toBe('a\tb\r\nc\n');
    expect(showControlCharacters('over\rwrite')).toBe('over^Mwrite');
  });

  it('come out the same however a stream splits them', () => {
    const stream = new ControlCharacterStream();
    expect(stream.push('a\r') + stream.push('\nb\r') + stream.push('c') + stream.end()).toBe('a\r\nb^Mc');
    const ending = new ControlCharacterStream();
    expect(ending.push('x\r') + ending.end()).toBe('x^M');
  });
});
