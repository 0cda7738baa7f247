import type { ExportLocation } from '@tessera/core';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { endpointName, type OpenedExport, openExport } from '../export-kinds/open-export.js';
import { apiKeyAuthentication } from './api-key-authentication.js';
import { InferenceQueue } from './inference-queue.js';
import { mountExportRoutes } from './mount-export-routes.js';
import { mountOpenAIModelsRoutes, servedModelName } from './openai-models-route.js';
import { errorHandler } from './request-errors.js';
import { routeNotFoundHandler } from './route-not-found.js';
import { type InferenceServerLimits, resolveLimits } from './server-limits.js';

export interface InferenceServerOptions {
  /**
   * The export to serve: a directory (or URL) whose kind a loaded package registered, e.g. one
   * written by exportGpt, exportBertClassifier, exportImageClassifier or exportRecommender.
   */
  exportDirectory: ExportLocation;
  /** Inference jobs running at once (default 1: the model runs on this thread). */
  maxConcurrency?: number;
  /** Requests waiting beyond those; more are refused with 429 (default 16). */
  maxQueue?: number;
  /** A queued request not started within this is answered 503 (default 30 000 ms). */
  queueTimeoutMs?: number;
  limits?: Partial<InferenceServerLimits>;
  /**
   * When set, every route but `/health` requires `Authorization: Bearer <apiKey>`; others get 401
   * (`E_REQUEST_UNAUTHORIZED`). Without it the server is open: keep it on 127.0.0.1.
   */
  apiKey?: string;
  /**
   * The model's id in `GET /v1/models` (default: the manifest's `metadata.name`, else the export
   * directory's name, else its kind).
   */
  modelName?: string;
  /** fastify's logger option: true (JSON lines on stdout, the default), false, or pino options. */
  logger?: FastifyServerOptions['logger'];
}

/**
 * Loads an export and returns a fastify instance serving it (not yet listening: call
 * `app.listen({ port, host })`, or `app.inject` in tests):
 *   GET  /health        liveness plus queue depth (never needs the API key)
 *   GET  /v1/model      the manifest's facts, the config, the limits
 *   GET  /v1/models     OpenAI's model list: the one served model (and GET /v1/models/:model)
 *   POST …              the routes the export's kind declares (`/v1/generate` and OpenAI's
 *                       `/v1/completions` and `/v1/chat/completions` for GPT exports,
 *                       `/v1/classify` for classifiers, `/v1/recommend` for recommenders, …)
 * The kind is found in @tessera/core's export-kind registry by the manifest's `kind`. With
 * `apiKey`, every route but /health needs `Authorization: Bearer <apiKey>` (401 otherwise). Bodies are
 * validated against the route's JSON schema (unknown fields, wrong types, out-of-range numbers →
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
  // Checked before the model is loaded: a bad key must not cost a load.
  const authenticate = options.apiKey === undefined ? undefined : apiKeyAuthentication(options.apiKey);
  const served = await openExport(options.exportDirectory);
  try {
    return serveExport(served, queue, limits, options, authenticate);
  } catch (error) {
    served.definition.dispose(served.loaded); // a route that cannot be mounted must not leak the model
    throw error;
  }
}

function serveExport(
  served: OpenedExport,
  queue: InferenceQueue,
  limits: InferenceServerLimits,
  options: InferenceServerOptions,
  authenticate: ReturnType<typeof apiKeyAuthentication> | undefined,
): FastifyInstance {
  const { manifest, definition, loaded } = served;
  const endpoints = definition.routes.map(endpointName);
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
  app.setNotFoundHandler(routeNotFoundHandler(manifest.kind, endpoints));
  if (authenticate !== undefined) app.addHook('onRequest', authenticate);
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
    definition.dispose(loaded);
  });
  const modelName = servedModelName(options.modelName, options.exportDirectory, manifest);
  app.log.info(
    {
      kind: manifest.kind,
      package: definition.packageName,
      location: String(options.exportDirectory),
      model: modelName,
      authentication: authenticate === undefined ? 'none' : 'api-key',
    },
    'model loaded',
  );

  app.get('/health', async () => ({
    status: closing ? 'closing' : 'ok',
    kind: manifest.kind,
    running: queue.active,
    queued: queue.queued,
  }));
  app.get('/v1/model', async () => ({
    kind: manifest.kind,
    endpoint: endpoints.join(', '),
    producer: manifest.producer,
    createdAt: manifest.createdAt,
    tfjsVersion: manifest.tfjsVersion,
    quantization:
      manifest.quantization === null
        ? null
        : { scheme: manifest.quantization.scheme, tensors: Object.keys(manifest.quantization.tensors).length },
    config: definition.describe(loaded),
    metadata: manifest.metadata,
    limits: { ...limits, maxConcurrency: queue.maxConcurrency, maxQueue: queue.maxQueue },
  }));
  mountOpenAIModelsRoutes(app, modelName, manifest);
  mountExportRoutes(app, served, queue, limits);
  return app;
}
