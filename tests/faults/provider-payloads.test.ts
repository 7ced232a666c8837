/**
 * Fault injection, payloads: a 10 MB answer arrives whole with bounded
 * memory, and invalid UTF-8 from a provider becomes replacement characters
 * (no crash), embedded and through `aish serve`.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, runAish, startAish, startServe, tempHome, type Served } from '../support/aish.js';
import { faultHome } from './support/fault-home.js';
import { startScriptedProvider, type ScriptedProvider } from './support/scripted-provider.js';

let fake: ScriptedProvider | undefined;
let served: Served | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
  await fake?.close();
  fake = undefined;
});

/** 10 MiB of answer in 4 KiB chunks, each line numbered so a lost or repeated chunk shows. */
function bigPieces(): string[] {
  const pieces: string[] = [];
  for (let index = 0; index < 2560; index++) {
    const line = `chunk ${String(index).padStart(5, '0')} `;
    pieces.push(line + 'x'.repeat(4096 - line.length - 1) + '\n');
  }
  return pieces;
}

/** The peak resident memory of a running process, in bytes (Linux `/proc`), or undefined when it cannot be read. */
function peakMemory(pid: number): number | undefined {
  try {
    const found = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return found ? Number(found[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

for (const mode of ['embedded', 'server'] as const) {
  describe(`payloads (${mode})`, () => {
    it('a 10 MB answer arrives whole, in order, into a file', async () => {
      const pieces = bigPieces();
      fake = await startScriptedProvider([{ kind: 'answer', pieces }]);
      const home = faultHome(fake.origin);
      if (mode === 'server') served = await startServe(home);
      const args = [...(served ? ['--server', served.url] : []), '-c', 'apollo << "everything" > big.txt'];
      const child = startAish(args, { home: served ? tempHome() : home, cwd: home });
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, peakMemory(child.pid!) ?? 0)), 20);
      const result = await collect(child);
      clearInterval(sampler);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const expected = pieces.join('');
      expect(statSync(join(home, 'big.txt')).size).toBe(expected.length);
      expect(readFileSync(join(home, 'big.txt'), 'utf8') === expected).toBe(true);
      // A gross bound for the whole process (provider-memory.test.ts measures the streaming path exactly).
      if (peak > 0) expect(peak).toBeLessThan(256 * 1024 * 1024);
    });

    it('invalid UTF-8 in the stream becomes replacement characters; a character split across writes comes out whole', async () => {
      const event = (bytes: Buffer): Buffer =>
        Buffer.concat([Buffer.from('data: {"choices":[{"index":0,"delta":{"content":"'), bytes, Buffer.from('"},"finish_reason":null}]}\n\n')]);
      const cafe = event(Buffer.from('café ', 'utf8'));
      const split = cafe.indexOf(0xc3) + 1;
      fake = await startScriptedProvider([
        {
          kind: 'raw',
          writes: [
            cafe.subarray(0, split),
            cafe.subarray(split),
            event(Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x21])),
            event(Buffer.from([0x20, 0xe2, 0x82])),
            'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n',
          ],
        },
      ]);
      const home = faultHome(fake.origin);
      if (mode === 'server') served = await startServe(home);
      const result = await runAish([...(served ? ['--server', served.url] : []), '-c', 'apollo << "x"'], { home: served ? tempHome() : home });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toBe('café bad\uFFFD\uFFFD! \uFFFD\n');
    });
  });
}
