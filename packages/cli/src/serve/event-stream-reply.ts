import { PassThrough } from 'node:stream';
import type { ServeEventStream } from '@tessera/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorFormat, formatErrorBody } from './error-format.js';

/**
 * Sends a route's stream of events as server-sent events: `data: <JSON>\n\n` per event, then the
 * stream's `terminator` as a literal `data: <terminator>\n\n` (OpenAI's `[DONE]`) when it has one,
 * then the response ends. Iteration stops when the client goes away (`clientGone`), which lets the
 * route's generator run its `finally` (release its queue slot). A failure mid-stream cannot change
 * the status any more (200 is sent), so it becomes a last `data: {"error": …}` event in the route's
 * error format (no terminator follows) and is logged.
 */
export function sendEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  answer: ServeEventStream,
  clientGone: AbortSignal,
  errorFormat: ErrorFormat = 'tessera',
): FastifyReply {
  const events = new PassThrough();
  const send = (data: unknown) => events.write(`data: ${JSON.stringify(data)}\n\n`);
  // A line break would end the event early and let the rest pass as other fields.
  const terminator = answer.terminator?.replace(/[\r\n]/g, '');
  reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache');
  void (async () => {
    try {
      for await (const event of answer.events) {
        if (clientGone.aborted) break;
        send(event);
      }
      if (terminator !== undefined && !clientGone.aborted) events.write(`data: ${terminator}\n\n`);
    } catch (error) {
      request.log.error({ err: error }, 'stream failed mid-way');
      send(
        formatErrorBody(errorFormat, {
          status: 500,
          code: 'E_SERVER_INTERNAL',
          message: 'the stream failed; the error is in the server log',
        }),
      );
    } finally {
      events.end();
    }
  })();
  return reply.send(events);
}
