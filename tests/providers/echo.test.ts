import { describe, expect, it } from 'vitest';
import { createModel, echoPieces, type ModelPart } from '../../src/providers/index.js';

async function collect(reference: string, content: string, signal = new AbortController().signal): Promise<ModelPart[]> {
  const parts: ModelPart[] = [];
  for await (const part of createModel(reference)!.stream({ messages: [{ role: 'user', content }], caller: 'apollo' }, signal)) parts.push(part);
  return parts;
}

describe('the echo model', () => {
  it('answers [NAME] and the last user message, word by word, whitespace kept', async () => {
    const parts = await collect('echo', '  two words\nand a line\n');
    const text = parts.filter((part) => part.type === 'text-delta').map((part) => (part as { text: string }).text);
    expect(text).toEqual(['[apollo] ', '  ', 'two ', 'words\n', 'and ', 'a ', 'line\n']);
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    expect(parts.find((part) => part.type === 'usage')).toEqual({ type: 'usage', input: 5, output: 7 });
  });

  it('is deterministic', async () => {
    expect(await collect('echo', 'same')).toEqual(await collect('echo', 'same'));
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const seen: ModelPart[] = [];
    for await (const part of createModel('echo?tps=1000')!.stream({ messages: [{ role: 'user', content: 'a b c d e f' }], caller: 'x' }, controller.signal)) {
      seen.push(part);
      if (seen.length === 2) controller.abort();
    }
    expect(seen).toHaveLength(2);
  });

  it('takes ttft_ms and tps from its reference', () => {
    expect(createModel('echo?ttft_ms=200&tps=50')!.reference).toBe('echo?ttft_ms=200&tps=50');
    expect(createModel('mistral/large')).toBeUndefined();
  });

  it('splits pieces so that joining them gives the text back', () => {
    for (const text of ['', ' ', 'a', 'a  b\t\nc ', '\n\nx']) expect(echoPieces(text).join('')).toBe(text);
  });
});
