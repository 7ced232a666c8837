import { describe, expect, it } from 'vitest';
import { FanoutProgress } from '../../src/render/index.js';

describe('fan-out progress on a terminal', () => {
  it('shows one line per branch with its state, redraws in place, and clears itself', () => {
    const written: string[] = [];
    const progress = new FanoutProgress(['apollo', 'athena', '@code→apollo'], true, (text) => written.push(text));
    progress.set(0, 'streaming');
    progress.set(1, 'failed');
    progress.draw();
    const first = written.at(-1)!;
    expect(first.split('\n').filter(Boolean)).toHaveLength(3);
    expect(first).toMatch(/apollo {2}streaming \d+\.\ds/);
    expect(first).toMatch(/✗ athena {2}failed/);
    expect(first).toMatch(/@code→apollo {2}waiting/);
    progress.set(0, 'done');
    progress.draw();
    expect(written.at(-1)!.startsWith('\x1b[3A')).toBe(true);
    expect(written.at(-1)).toMatch(/✓ apollo {2}done/);
    progress.stop();
    expect(written.at(-1)).toBe('\x1b[3A' + '\x1b[2K\n'.repeat(3) + '\x1b[3A');
  });

  it('draws nothing when not on a terminal', () => {
    const written: string[] = [];
    const progress = new FanoutProgress(['apollo'], false, (text) => written.push(text));
    progress.draw();
    progress.stop();
    expect(written).toEqual([]);
  });
});
