/** Keeping slow streams alive, and shutting down without cutting answers short. */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createApp, startServer } from '../../src/server/index.js';
import { embeddedService } from '../support/server.js';

/** The body of a stream; `onData` hears when its first bytes arrive (the server is answering it). */
function stream(url: string, content: string, model: string, onData?: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/v2/ai/apollo/stream`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        onData?.();
      });
      res.on('end', () => resolve(text));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ content, model }));
  });
}

describe('server lifecycle', () => {
  it('sends a ": ping" comment while a model is slow to answer', async () => {
    const server = await startServer(createApp({ service: embeddedService() }), { host: '127.0.0.1', port: 0, pingMs: 50 });
    try {
      const body = await stream(server.url, 'slow', 'echo?ttft_ms=400');
      expect(body).toContain(': ping\n\n');
      expect(body).toContain('event: done');
    } finally {
      await server.close(100);
    }
  });

  it('a graceful close lets a running stream finish, then refuses new connections', async () => {
    const server = await startServer(createApp({ service: embeddedService() }), { host: '127.0.0.1', port: 0 });
    // Closed once the stream is under way (a fixed wait could close before a busy machine read the request).
    let answering!: () => void;
    const underWay = new Promise<void>((resolve) => (answering = resolve));
    const running = stream(server.url, 'one two three four five six', 'echo?tps=20', () => answering());
    await underWay;
    const closed = server.close(5000);
    const body = await running;
    await closed;
    expect(body).toContain('"data":"six"');
    expect(body).toContain('event: done');
    await expect(stream(server.url, 'x', 'echo')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('ends a stream still running when the drain is over with an error event SHUTTING_DOWN, then closes it', async () => {
    const server = await startServer(createApp({ service: embeddedService() }), { host: '127.0.0.1', port: 0 });
    let answering!: () => void;
    const underWay = new Promise<void>((resolve) => (answering = resolve));
    const running = stream(server.url, 'one two three four five six seven eight', 'echo?tps=4', () => answering());
    await underWay;
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.close(300);
    const body = await running;
    expect(body).toContain('"data":"one ');
    expect(body).not.toContain('event: done');
    expect(body.endsWith('event: error\ndata: {"type":"error","code":"SHUTTING_DOWN","message":"the server is shutting down"}\n\n')).toBe(true);
  });
});
