import { describe, expect, it } from 'vitest';
import { colorLevel, colors } from '../../src/render/index.js';

describe('the colour level', () => {
  it('is basic colour on a terminal and none into a pipe', () => {
    expect(colorLevel({ isTTY: true, env: { TERM: 'xterm' } })).toBe(1);
    expect(colorLevel({ isTTY: false, env: { TERM: 'xterm' } })).toBe(0);
  });

  it('follows the depth the terminal names', () => {
    expect(colorLevel({ isTTY: true, env: { TERM: 'xterm-256color' } })).toBe(2);
    expect(colorLevel({ isTTY: true, env: { TERM: 'xterm', COLORTERM: 'truecolor' } })).toBe(3);
  });

  it('is none on a dumb terminal', () => {
    expect(colorLevel({ isTTY: true, env: { TERM: 'dumb' } })).toBe(0);
  });

  it('is none with NO_COLOR set to anything but empty, even with FORCE_COLOR', () => {
    expect(colorLevel({ isTTY: true, env: { NO_COLOR: '1' } })).toBe(0);
    expect(colorLevel({ isTTY: true, env: { NO_COLOR: '1', FORCE_COLOR: '3' } })).toBe(0);
    expect(colorLevel({ isTTY: true, env: { NO_COLOR: '' } })).toBe(1);
  });

  it('is none with --no-color, whatever the environment says', () => {
    expect(colorLevel({ isTTY: true, env: { FORCE_COLOR: '2' }, color: false })).toBe(0);
  });

  it('is what FORCE_COLOR says, into a pipe too', () => {
    expect(colorLevel({ isTTY: false, env: { FORCE_COLOR: '' } })).toBe(1);
    expect(colorLevel({ isTTY: false, env: { FORCE_COLOR: 'true' } })).toBe(1);
    expect(colorLevel({ isTTY: false, env: { FORCE_COLOR: '2' } })).toBe(2);
    expect(colorLevel({ isTTY: true, env: { FORCE_COLOR: '0' } })).toBe(0);
    expect(colorLevel({ isTTY: true, env: { FORCE_COLOR: 'false' } })).toBe(0);
  });

  it('styles text through chalk at that level, and leaves it plain at level 0', () => {
    expect(colors(1).bold('x')).toBe('\x1b[1mx\x1b[22m');
    expect(colors(0).bold('x')).toBe('x');
  });
});
