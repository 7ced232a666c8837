import { describe, expect, it } from 'vitest';
import { composeMessage } from '../../src/exec/index.js';

describe('the message an AI stage sends', () => {
  it('is the instruction, a blank line, then the input', () => {
    expect(composeMessage('review this', 'code\n')).toBe('review this\n\ncode\n');
  });
  it('is the instruction alone with no input, and the input alone with no instruction', () => {
    expect(composeMessage('hello', undefined)).toBe('hello');
    expect(composeMessage('', 'piped\n')).toBe('piped\n');
    expect(composeMessage('', undefined)).toBe('');
  });
});
