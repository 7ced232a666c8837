/**
 * How `/mcp` sends the SDK's answers: JSON as it is; a 2025-era SSE answer
 * that has ended at once holding one message as that message's JSON body; any
 * other SSE answer as SSE, streamed when it is still running.
 */
import { describe, expect, it } from 'vitest';
import { appResponse, type Call } from '../../src/server/mcp-route.js';

const ANSWER = JSON.stringify({ result: { content: [{ type: 'text', text: '[apollo] hi' }] }, jsonrpc: '2.0', id: 7 });
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform' };

function event(data: string): string {
  return `event: message\ndata: ${data}\n\n`;
}

/** An SSE response whose body gives `parts` and ends: all at once, or the first at once and each other `delayMs` after the one before. */
function sse(parts: string[], delayMs?: number): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (delayMs === undefined) {
        for (const part of parts) controller.enqueue(encoder.encode(part));
        controller.close();
        return;
      }
      const next = (index: number): void => {
        if (index === parts.length) return controller.close();
        controller.enqueue(encoder.encode(parts[index]!));
        setTimeout(next, delayMs, index + 1);
      };
      next(0);
    },
  });
  return new Response(body, { status: 200, headers: SSE_HEADERS });
}

function call(): Call & { ended: number } {
  const result = { signal: new AbortController().signal, ended: 0, end: () => result.ended++ };
  return result;
}

async function text(stream: AsyncIterable<string>): Promise<string> {
  let all = '';
  for await (const part of stream) all += part;
  return all;
}

describe('/mcp answers', () => {
  it('a JSON answer is sent as it is', async () => {
    const running = call();
    const answer = await appResponse(new Response(ANSWER, { status: 200, headers: { 'content-type': 'application/json' } }), running);
    expect(answer).toMatchObject({ status: 200, body: ANSWER, headers: { 'content-type': 'application/json' } });
    expect(running.ended).toBe(1);
  });

  it('an SSE answer that ends at once with one message is sent as that message, in JSON', async () => {
    const running = call();
    const answer = await appResponse(sse([event(ANSWER)]), running);
    expect(answer.stream).toBeUndefined();
    expect(answer.body).toBe(ANSWER);
    expect(answer.headers?.['content-type']).toBe('application/json');
    expect(running.ended).toBe(1);
  });

  it('an SSE answer that ends at once with more than one event is sent whole, as SSE', async () => {
    const notice = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } });
    const running = call();
    const answer = await appResponse(sse([event(notice), event(ANSWER)]), running);
    expect(answer.body).toBe(event(notice) + event(ANSWER));
    expect(answer.headers?.['content-type']).toBe('text/event-stream');
    expect(running.ended).toBe(1);
  });

  it('an SSE answer still running streams: the client has its headers first, then every byte, what came before them included', async () => {
    const running = call();
    const answer = await appResponse(sse([event(ANSWER).slice(0, 10), event(ANSWER).slice(10)], 100), running);
    expect(answer.headers?.['content-type']).toBe('text/event-stream');
    expect(answer.stream).toBeDefined();
    expect(running.ended).toBe(0);
    expect(await text(answer.stream!)).toBe(event(ANSWER));
    expect(running.ended).toBe(1);
  });
});
