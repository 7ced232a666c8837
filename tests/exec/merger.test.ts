import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OrderedMerger } from '../../src/exec/index.js';
import { readStream, SinkWriter } from '../../src/exec/streams.js';

function setup(labels: string[], json = false) {
  const stream = new PassThrough();
  const output = readStream(stream);
  const writer = new SinkWriter({ kind: 'stream', stream });
  return { merger: new OrderedMerger(writer, labels, json), output, writer };
}

function write(sink: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => sink.write(text, () => resolve()));
}

describe('fan-out output order', () => {
  it('keeps written order when later branches finish first', async () => {
    const { merger, output, writer } = setup(['a', 'b', 'c']);
    const [a, b, c] = [merger.sinkFor(0), merger.sinkFor(1), merger.sinkFor(2)];
    await write(c, 'from c');
    await merger.finish(2, 0);
    await write(b, 'from b\n');
    await merger.finish(1, 0);
    await write(a, 'from a');
    await merger.finish(0, 0);
    await merger.close();
    await writer.end();
    expect(await output).toBe('── a ──\nfrom a\n── b ──\nfrom b\n── c ──\nfrom c\n');
  });

  it('streams the first unfinished branch live', async () => {
    const chunks: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk) => chunks.push(String(chunk)));
    const live = new OrderedMerger(new SinkWriter({ kind: 'stream', stream }), ['a', 'b'], false);
    await write(live.sinkFor(0), 'partial ');
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunks.join('')).toBe('── a ──\npartial ');
  });

  it('relabels a routed branch before its header is written', async () => {
    const { merger, output, writer } = setup(['@code', 'x']);
    merger.relabel(0, '@code→apollo');
    await write(merger.sinkFor(0), 'ok\n');
    await merger.finish(0, 0);
    await merger.finish(1, 0);
    await merger.close();
    await writer.end();
    expect(await output).toBe('── @code→apollo ──\nok\n── x ──\n');
  });

  it('in JSON mode writes one object keyed by label, repeats numbered', async () => {
    const { merger, output, writer } = setup(['apollo', 'apollo'], true);
    await write(merger.sinkFor(0), 'one');
    await write(merger.sinkFor(1), 'two');
    await merger.finish(0, 0);
    await merger.finish(1, 1);
    await merger.close();
    await writer.end();
    expect(JSON.parse(await output)).toEqual({
      apollo: { specialist: 'apollo', content: 'one', status: 'success' },
      'apollo#2': { specialist: 'apollo', content: 'two', status: 'error', error: 'exit status 1' },
    });
  });
});
