import type { ExportLocation } from '@tessera/core';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { registerClassifyRoute } from './classify-route.js';
import { registerGenerateRoute } from './generate-route.js';
import { InferenceQueue } from './inference-queue.js';
import { registerRecommendRoute } from './recommend-route.js';
import { errorHandler } from './request-errors.js';
import {
  describeServedModel,
  disposeServedModel,
  loadServedModel,
  SERVED_KINDS,
  type ServedModel,
} from './served-model.js';
import { type InferenceServerLimits, resolveLimits } from './server-limits.js';

export interface InferenceServerOptions {
  /**
   * The export to serve: a directory written by exportGpt, exportBertClassifier,
   * exportImageClassifier or exportRecommender (or a URL).
   */
  exportDirectory: ExportLocation;
  /** Inference jobs running at once (default 1: the model runs on this thread). */
  maxConcurrency?: number;
  /** Requests waiting beyond those; more are refused with 429 (default 16). */
  maxQueue?: number;
  /** A queued request not started within this is answered 503 (default 30 000 ms). */
  queueTimeoutMs?: number;
  limits?: Partial<InferenceServerLimits>;
  /** fastify's logger option: true (JSON lines on stdout, the default), false, or pino options. */
  logger?: FastifyServerOptions['logger'];
}

/**
 * Loads an export and returns a fastify instance serving it (not yet listening: call
 * `app.listen({ port, host })`, or `app.inject` in tests):
 *   GET  /health        liveness plus queue depth
 *   GET  /v1/model      the manifest's facts, the config, the limits
 *   POST /v1/generate   GPT exports (JSON or server-sent events)
 *   POST /v1/classify   text and image classifier exports
 *   POST /v1/recommend  recommender exports
 * Bodies are validated against JSON schemas (unknown fields, wrong types, out-of-range numbers →
 * 400), inference is bounded by an InferenceQueue (429 when full, 503 on queue timeout), and
 * `app.close()` stops accepting, lets in-flight requests finish, then frees the model.
 */
export async function createInferenceServer(options: InferenceServerOptions): Promise<FastifyInstance> {
  const limits = resolveLimits(options.limits);
  const queue = new InferenceQueue({
    maxConcurrency: options.maxConcurrency ?? 1,
    maxQueue: options.maxQueue ?? 16,
    ...(options.queueTimeoutMs === undefined ? {} : { queueTimeoutMs: options.queueTimeoutMs }),
  });
  const served: ServedModel = await loadServedModel(options.exportDirectory);
  let closing = false;
  const app = Fastify({
    logger: options.logger ?? true,
    bodyLimit: limits.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    // Unknown fields must be refused, not silently dropped; "3" must not pass as 3.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
    return503OnClosing: true,
  });
  // Only JSON bodies: a text/plain body would reach the schema as a string; answer 415 instead.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: {
        code: 'E_REQUEST_ROUTE',
        message: `no endpoint ${request.method} ${request.url.split('?')[0]}; endpoints: GET /health, GET /v1/model, ${SERVED_KINDS[served.kind]}`,
      },
    }),
  );
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    return payload;
  });
  app.addHook('preClose', async () => {
    closing = true;
    app.server.closeIdleConnections();
  });
  // A keep-alive connection that was busy when close() began would hold the server open until its
  // idle timeout; once its response is finished during shutdown, end it.
  app.addHook('onResponse', async (request) => {
    if (closing) request.raw.socket?.end();
  });
  app.addHook('onClose', async () => {
    await queue.whenIdle();
    disposeServedModel(served);
  });
  app.log.info({ kind: served.kind, location: String(options.exportDirectory) }, 'model loaded');

  app.get('/health', async () => ({
    status: closing ? 'closing' : 'ok',
    kind: served.kind,
    running: queue.active,
    queued: queue.queued,
  }));
  app.get('/v1/model', async () => {
    const { manifest } = served;
    return {
      kind: manifest.kind,
      endpoint: SERVED_KINDS[served.kind],
      producer: manifest.producer,
      createdAt: manifest.createdAt,
      tfjsVersion: manifest.tfjsVersion,
      quantization:
        manifest.quantization === null
          ? null
          : { scheme: manifest.quantization.scheme, tensors: Object.keys(manifest.quantization.tensors).length },
      config: describeServedModel(served),
      metadata: manifest.metadata,
      limits: { ...limits, maxConcurrency: queue.maxConcurrency, maxQueue: queue.maxQueue },
    };
  });
  registerGenerateRoute(app, served, queue, limits);
  registerClassifyRoute(app, served, queue, limits);
  registerRecommendRoute(app, served, queue, limits);
  return app;
}
