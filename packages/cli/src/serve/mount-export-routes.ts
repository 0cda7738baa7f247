import { isServeEventStream, type ServeContext } from '@tessera/core';
import type { FastifyInstance } from 'fastify';
import type { OpenedExport } from '../export-kinds/open-export.js';
import type { ServeRouteConfig } from './error-format.js';
import { sendEventStream } from './event-stream-reply.js';
import type { InferenceQueue } from './inference-queue.js';
import type { InferenceServerLimits } from './server-limits.js';

/**
 * Mounts the routes the served export's kind declares, whatever the kind: each body is validated
 * against the route's schema before its handler runs, model work goes through the server's
 * queue, a stream answer is sent as server-sent events, and errors take the route's
 * `errorFormat` (Tessera's or OpenAI's shape).
 */
export function mountExportRoutes(
  app: FastifyInstance,
  served: OpenedExport,
  queue: InferenceQueue,
  limits: InferenceServerLimits,
): void {
  for (const route of served.definition.routes) {
    const errorFormat = route.errorFormat ?? 'tessera';
    const config: ServeRouteConfig = { errorFormat };
    app.route({
      method: route.method,
      url: route.path,
      config,
      schema: { body: route.bodySchema(served.loaded, limits) },
      handler: async (request, reply) => {
        // The response closing before it finished means the client went away: stop its work.
        const clientGone = new AbortController();
        reply.raw.once('close', () => {
          if (!reply.raw.writableFinished) clientGone.abort();
        });
        const context: ServeContext = {
          limits,
          signal: clientGone.signal,
          run: (job) => queue.run(job), // full queue → 429, long wait → 503
          acquire: () => queue.acquire(),
          log: request.log,
        };
        const answer = await route.handle(served.loaded, request.body, context);
        return isServeEventStream(answer)
          ? sendEventStream(request, reply, answer, clientGone.signal, errorFormat)
          : answer;
      },
    });
  }
}
