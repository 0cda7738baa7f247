import { PassThrough } from 'node:stream';
import type { ServeEventStream } from '@tessera/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Sends a route's stream of events as server-sent events: `data: <JSON>\n\n` per event, then the
 * response ends. Iteration stops when the client goes away (`clientGone`), which lets the route's
 * generator run its `finally` (release its queue slot). A failure mid-stream cannot change the
 * status any more (200 is sent), so it becomes a last `data: {"error": …}` event and is logged.
 */
export function sendEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  answer: ServeEventStream,
  clientGone: AbortSignal,
): FastifyReply {
  const events = new PassThrough();
  const send = (data: unknown) => events.write(`data: ${JSON.stringify(data)}\n\n`);
  reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache');
  void (async () => {
    try {
      for await (const event of answer.events) {
        if (clientGone.aborted) break;
        send(event);
      }
    } catch (error) {
      request.log.error({ err: error }, 'stream failed mid-way');
      send({ error: { code: 'E_SERVER_INTERNAL', message: 'the stream failed; the error is in the server log' } });
    } finally {
      events.end();
    }
  })();
  return reply.send(events);
}
