/**
 * `POST /api/v2/bulk`: a thin adapter over the service's bulk runner. The body
 * and graph are checked before anything runs, so problems are plain HTTP 400s;
 * with `stream: true` the run is SSE, each event named in its `event:` line.
 */
import type { SpecialistService } from '../service/index.js';
import { parseBulkRequest, runBulk, streamBulk, type BulkEvent } from '../service/bulk.js';
import { SSE_HEADERS, sseEvent } from './sse.js';
import type { Route } from './types.js';

/** `maxMessageBytes`: the server's body limit, which `{op}` substitution may not exceed either. */
export function bulkRoutes(service: SpecialistService, maxMessageBytes?: number): Route[] {
  const options = maxMessageBytes === undefined ? {} : { maxMessageBytes };
  return [
    {
      method: 'POST',
      pattern: /^\/api\/v2\/bulk$/,
      handler: async (request) => {
        const bulk = parseBulkRequest(await request.json());
        if (bulk.stream !== true) return { status: 200, json: await runBulk(service, bulk, request.signal, undefined, options) };
        return { status: 200, headers: SSE_HEADERS, stream: sseEvents(streamBulk(service, bulk, request.signal, options)) };
      },
    },
  ];
}

async function* sseEvents(events: AsyncIterable<BulkEvent>): AsyncIterable<string> {
  for await (const event of events) {
    if (event.type === 'done') {
      yield sseEvent(event.result, { event: 'done' });
    } else {
      const { type, ...data } = event;
      yield sseEvent(data, { event: type });
    }
  }
}
