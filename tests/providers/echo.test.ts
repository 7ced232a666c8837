import { describe, expect, it } from 'vitest';
import { createModel, echoPieces, type ModelMessage, type ModelPart } from '../../src/providers/index.js';
import { WORD_AT_A_TIME_LIMIT } from '../../src/providers/echo.js';

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

  it('answers a message over 64 KiB in runs of whole words that join to the same text, with the same usage', async () => {
    const message = ' lead\n' + 'alpha  beta\tgamma\n'.repeat(20_000) + 'tail';
    expect(message.length).toBeGreaterThan(WORD_AT_A_TIME_LIMIT);
    const parts = await collect('echo', message);
    const runs = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : []));
    expect(runs[0]).toBe('[apollo] ');
    expect(runs.slice(1).join('')).toBe(message);
    // A few runs of about 64 KiB, not a part per word.
    expect(runs.length).toBeLessThanOrEqual(2 + Math.ceil(message.length / WORD_AT_A_TIME_LIMIT));
    // Every run but the last ends where a word starts: whitespace, then the next run's first word.
    for (let i = 1; i < runs.length - 1; i++) {
      expect(runs[i]).toMatch(/\s$/);
      expect(runs[i + 1]).toMatch(/^\S/);
    }
    expect(parts.find((part) => part.type === 'usage')).toEqual({ type: 'usage', input: 60_002, output: 1 + echoPieces(message).length });
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  it('answers a message of up to 64 KiB, and a paced one of any size, a word at a time', async () => {
    const words = Math.floor(WORD_AT_A_TIME_LIMIT / 5);
    const message = 'word '.repeat(words);
    const parts = await collect('echo', message);
    expect(parts.filter((part) => part.type === 'text-delta')).toHaveLength(1 + words);
    const controller = new AbortController();
    const paced: ModelPart[] = [];
    for await (const part of createModel('echo?tps=100000')!.stream({ messages: [{ role: 'user', content: `${message}more words` }], caller: 'x' }, controller.signal)) {
      paced.push(part);
      if (paced.length === 5) controller.abort();
    }
    expect(paced.map((part) => (part as { text: string }).text)).toEqual(['[x] ', 'word ', 'word ', 'word ', 'word ']);
  });
});

describe('the echo model with tools offered', () => {
  const tools = [{ name: 'files__read_text_file', inputSchema: { type: 'object' } }];

  async function run(messages: ModelMessage[], offered = tools): Promise<ModelPart[]> {
    const parts: ModelPart[] = [];
    for await (const part of createModel('echo')!.stream({ messages, caller: 'apollo', tools: offered }, new AbortController().signal)) parts.push(part);
    return parts;
  }

  it('turns each CALL line into one tool call, all in one round, and finishes with tool_calls', async () => {
    const parts = await run([{ role: 'user', content: 'look\nCALL files.read_text_file {"path":"README.md"}\nCALL everything.echo\n' }]);
    expect(parts.filter((part) => part.type === 'tool-call')).toEqual([
      { type: 'tool-call', id: 'call_1', name: 'files__read_text_file', arguments: '{"path":"README.md"}' },
      { type: 'tool-call', id: 'call_2', name: 'everything__echo', arguments: '{}' },
    ]);
    expect(parts.some((part) => part.type === 'text-delta')).toBe(false);
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' });
  });

  it('answers with each result on its own line (a failed one too), then the message\'s other lines', async () => {
    const prompt = 'look\nCALL files.read_text_file {"path":"README.md"}\nCALL x.y {}\nthen this\n';
    const parts = await run([
      { role: 'user', content: prompt },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'files__read_text_file', arguments: '{}' }, { id: 'call_2', name: 'x__y', arguments: '{}' }] },
      {
        role: 'user',
        content: '',
        toolResults: [
          { callId: 'call_1', name: 'files__read_text_file', content: '# aish\n' },
          { callId: 'call_2', name: 'x__y', content: 'tool x.y is not allowed', isError: true },
        ],
      },
    ]);
    const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
    expect(text).toBe('[apollo] # aish\ntool x.y is not allowed\nlook\nthen this\n');
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  it('treats CALL lines as ordinary text when no tool is offered', async () => {
    const parts = await run([{ role: 'user', content: 'CALL files.read_text_file {}' }], []);
    expect(parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('')).toBe('[apollo] CALL files.read_text_file {}');
  });
});
