/**
 * Fault injection, size: a very large answer streams through the provider
 * adapter, the resilience wrapper and the service with bounded memory (the
 * live heap after a collection stays flat while 60 MB go by).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRoster } from '../../src/config/index.js';
import { SpecialistService } from '../../src/service/index.js';
import { startScriptedProvider, type ScriptedProvider } from './support/scripted-provider.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

let fake: ScriptedProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('a very large answer', () => {
  it('streams through the service with a flat live heap', async () => {
    // One flat 4 KiB string repeated: the fake itself holds 4 KiB, not the answer.
    const piece = `${'y'.repeat(4095)}\n`.split('').join('');
    const megabytes = 60;
    fake = await startScriptedProvider([{ kind: 'answer', pieces: new Array<string>(megabytes * 256).fill(piece) }]);
    const service = new SpecialistService({ roster: builtinRoster(), defaultModel: 'openai/fake', providers: { openai: { api_key: 'sk-test', base_url: `${fake.origin}/v1` } } });
    const heap = (): number => {
      collectGarbage();
      return process.memoryUsage().heapUsed;
    };
    let received = 0;
    let nextCheck = 10 << 20;
    let baseline: number | undefined;
    let highest = 0;
    let finished = false;
    for await (const event of service.stream('apollo', { content: 'everything' })) {
      if (event.type === 'content') received += event.data.length;
      if (event.type === 'done') finished = true;
      if (received >= nextCheck) {
        const used = heap();
        baseline ??= used;
        highest = Math.max(highest, used);
        nextCheck += 10 << 20;
      }
    }
    await service.close();
    expect(finished).toBe(true);
    expect(received).toBe(megabytes * 4096 * 256);
    // Holding the answer would add tens of megabytes between the first check and the last.
    expect(highest - baseline!).toBeLessThan(16 << 20);
  }, 60_000);
});
