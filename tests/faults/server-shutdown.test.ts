/** SIGTERM or SIGHUP to `aish serve`: running streams finish, new connections are refused, then it exits 0. */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { call } from './support/misbehaving-client.js';
import { startServeWith } from './support/serve-process.js';

/** Streams an answer; `onFirst` runs when the first content event arrives. */
function stream(url: string, body: unknown, onFirst: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    let first = true;
    const req = request(`${url}/api/v2/ai/apollo/stream`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        if (first && text.includes('"type":"content"')) {
          first = false;
          onFirst();
        }
      });
      res.on('end', () => resolve(text));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe.each(['SIGTERM', 'SIGHUP'] as const)('aish serve on %s', (signal) => {
  it('lets a running stream finish, refuses new connections meanwhile, and exits 0', async () => {
    const server = await startServeWith([]);
    const words = Array.from({ length: 15 }, (_, i) => `w${i}`).join(' ');
    let attempt: Promise<{ outcome: string; streamDone: boolean }> | undefined;
    let exit: Promise<number | null> | undefined;
    let streamDone = false;
    const body = await stream(server.url, { content: words, model: 'echo?tps=10' }, () => {
      exit = server.stop(signal);
      // Give the signal a moment to arrive, then try a new connection while the stream still runs.
      attempt = new Promise((resolve) => setTimeout(resolve, 300))
        .then(() => call(server.url, 'GET', '/health'))
        .then(
          (reply) => ({ outcome: `answered ${reply.status}`, streamDone }),
          (error: NodeJS.ErrnoException) => ({ outcome: error.code ?? error.message, streamDone }),
        );
    });
    streamDone = true;
    expect(body).toContain('"data":"w14"');
    expect(body).toContain('event: done');
    expect(await attempt).toEqual({ outcome: 'ECONNREFUSED', streamDone: false });
    expect(await exit).toBe(0);
    expect(server.stderr()).toContain('aish: shutting down');
  });
});
