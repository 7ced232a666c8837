/**
 * With a server that offers bulk graphs, a pipeline of AI stages, literal
 * input and a final fan-out goes as ONE request, and prints byte for byte
 * what the stage-by-stage run prints. A recording proxy in front of the
 * server sees which requests were made.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aishC, runAish, startServe, type Served } from '../support/aish.js';

let server: Served;
let proxy: Server;
let proxyUrl: string;
const seen: string[] = [];

beforeAll(async () => {
  server = await startServe();
  const target = new URL(server.url);
  proxy = createServer((incoming, outgoing) => {
    seen.push(`${incoming.method} ${incoming.url}`);
    const forward = request({ host: target.hostname, port: target.port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(outgoing);
    });
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  proxy.close();
  await server.stop();
});

describe('pipelines compiled into one bulk request', () => {
  const lines = [
    'echo hi | apollo | athena',
    'apollo << "x" | athena "summarize"',
    'echo q | apollo "first" | apollo,athena',
    'echo q | apollo | {athena|hermes} "compare"',
    'team-chat "What should we optimize?" << "our design"',
    'athena << EOF | prometheus\nline one\nline two\nEOF',
  ];
  for (const line of lines) {
    it(`${line.split('\n')[0]}: one request, the same bytes as stage by stage`, async () => {
      const embedded = await aishC(line);
      seen.length = 0;
      const remote = await runAish(['--server', proxyUrl, '-c', line]);
      expect(remote.stdout).toBe(embedded.stdout);
      expect(remote.status).toBe(embedded.status);
      expect(seen.filter((entry) => entry.startsWith('POST'))).toEqual(['POST /api/v2/bulk']);
    });
  }

  it('a pipeline with a Unix stage or a flag runs stage by stage', async () => {
    seen.length = 0;
    await runAish(['--server', proxyUrl, '-c', 'echo hi | apollo | wc -c']);
    expect(seen).not.toContain('POST /api/v2/bulk');
    seen.length = 0;
    await runAish(['--server', proxyUrl, '-c', 'echo hi | apollo --json | athena']);
    expect(seen).not.toContain('POST /api/v2/bulk');
  });
});
