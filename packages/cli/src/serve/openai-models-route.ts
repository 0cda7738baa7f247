import type { ExportLocation, ExportManifest } from '@tessera/core';
import type { FastifyInstance } from 'fastify';
import { formatErrorBody, type ServeRouteConfig } from './error-format.js';

/**
 * The served model's id in OpenAI's answers: the `modelName` option, else the manifest's
 * `metadata.name`, else the export directory's last path segment, else its kind.
 */
export function servedModelName(
  modelName: string | undefined,
  location: ExportLocation,
  manifest: ExportManifest,
): string {
  if (modelName !== undefined && modelName.length > 0) return modelName;
  const named = manifest.metadata.name;
  if (typeof named === 'string' && named.length > 0) return named;
  const path = typeof location === 'string' ? location : location instanceof URL ? location.pathname : '';
  const segment = path
    .split(/[\\/]/)
    .filter((part) => part.length > 0)
    .at(-1);
  return segment ?? manifest.kind;
}

/**
 * OpenAI's `GET /v1/models` (a list holding the one served model) and `GET /v1/models/:model`,
 * with OpenAI's error shape. They belong to the server, not to a kind: every export is a model.
 */
export function mountOpenAIModelsRoutes(app: FastifyInstance, id: string, manifest: ExportManifest): void {
  const created = Math.floor(Date.parse(manifest.createdAt) / 1000) || 0;
  const model = { id, object: 'model', created, owned_by: manifest.producer.name };
  const config: ServeRouteConfig = { errorFormat: 'openai' };
  app.get('/v1/models', { config }, async () => ({ object: 'list', data: [model] }));
  app.get<{ Params: { model: string } }>('/v1/models/:model', { config }, async (request, reply) => {
    if (request.params.model === id) return model;
    reply.status(404);
    return formatErrorBody('openai', {
      status: 404,
      code: 'E_REQUEST_MODEL',
      message: `this server serves one model, '${id}'; there is no model '${request.params.model}'`,
      param: 'model',
    });
  });
}
