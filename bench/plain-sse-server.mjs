// The baseline for the server benchmarks: a bare node:http SSE server that sends
// the same events aish sends, with no service, no model and no routing.
//   POST /stream?words=N          N content events as fast as the socket takes them
//   POST /stream?words=N&tps=R    … one every 1000/R ms (what `echo?tps=R` does), on a timer per stream
import { createServer } from 'node:http';

const event = (fields, data) => `${fields}data: ${JSON.stringify(data)}\n\n`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const server = createServer(async (request, response) => {
  const url = new URL(request.url, 'http://x');
  const words = Number(url.searchParams.get('words') ?? '1');
  const tps = Number(url.searchParams.get('tps') ?? '0');
  for await (const _ of request); // read the body, as aish does
  let gone = false;
  response.on('close', () => (gone = true));
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  response.write(event('event: start\n', { type: 'start', specialist_id: 'apollo', request_id: 'req_x', model: 'echo' }));
  response.write(event('id: 0\n', { type: 'content', data: '[apollo] ', specialist_id: 'apollo' }));
  for (let i = 1; i <= words && !gone; i++) {
    if (tps) await sleep(1000 / tps);
    if (!response.write(event(`id: ${i}\n`, { type: 'content', data: 'word ', specialist_id: 'apollo' }))) {
      await new Promise((resolve) => response.once('drain', resolve));
    }
  }
  response.end(event('event: done\n', { type: 'done', specialist_id: 'apollo', tokens_used: { input: 1, output: words }, finish_reason: 'stop' }));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
