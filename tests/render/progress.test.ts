import { describe, expect, it } from 'vitest';
import { FanoutProgress, RecordsProgressLine } from '../../src/render/index.js';

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

describe('the --each progress line', () => {
  it('shows done/total, failed, running, the cost and the time left, redrawn in place and cleared at the end', () => {
    const written: string[] = [];
    let now = 0;
    const line = new RecordsProgressLine('apollo', true, { color: false, write: (text) => written.push(text), columns: 120, now: () => now });
    line.set({ done: 3, failed: 0, running: 4, costUsd: 0 });
    line.draw();
    expect(written.at(-1)).toBe('\r\x1b[2Kapollo: 3 done · 0 failed · 4 running · $0');
    now = 10_000;
    line.set({ done: 100, total: 1000, failed: 2, running: 64, costUsd: 0.01234 });
    line.draw();
    expect(written.at(-1)).toBe('\r\x1b[2Kapollo: 100/1,000 done · 2 failed · 64 running · $0.0123 · 1m 30s left');
    line.set({ done: 100, total: 1000, failed: 2, running: 64, costUsd: null });
    expect(line.line()).toContain('cost unknown');
    line.clear();
    expect(written.at(-1)).toBe('\r\x1b[2K');
    const count = written.length;
    line.clear();
    expect(written).toHaveLength(count);
    line.draw();
    line.stop();
    expect(written.at(-1)).toBe('\r\x1b[2K');
    line.draw();
    expect(written.at(-1)).toBe('\r\x1b[2K');
  });

  it('keeps to the terminal width, and colours only with colour on', () => {
    const line = new RecordsProgressLine('apollo', false, { color: false, columns: 30 });
    line.set({ done: 100, total: 1000, failed: 2, running: 64, costUsd: 0 });
    expect(line.line()).toHaveLength(29);
    const coloured = new RecordsProgressLine('apollo', false, { color: true, columns: 200 });
    coloured.set({ done: 1, failed: 1, running: 0, costUsd: 0 });
    expect(coloured.line()).toContain('\x1b[31m1 failed\x1b[39m');
  });

  it('draws nothing when not on a terminal', () => {
    const written: string[] = [];
    const line = new RecordsProgressLine('apollo', false, { color: true, write: (text) => written.push(text) });
    line.draw();
    line.clear();
    line.stop();
    expect(written).toEqual([]);
  });
});
