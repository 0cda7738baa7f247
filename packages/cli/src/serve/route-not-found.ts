import { listExportKinds } from '@tessera/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatErrorBody } from './error-format.js';

/**
 * Answers 404 for anything this server has no route for, listing its endpoints. A route another
 * registered kind serves (POST /v1/classify on a GPT server) is E_SERVER_MODEL_KIND, saying which
 * kind it needs, in that route's error format (OpenAI's for POST /v1/chat/completions on a
 * classifier); anything else is E_REQUEST_ROUTE.
 */
export function routeNotFoundHandler(servedKind: string, endpoints: readonly string[]) {
  const listed = `endpoints: ${['GET /health', 'GET /v1/model', 'GET /v1/models', ...endpoints].join(', ')}`;
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const path = request.url.split('?')[0] ?? request.url;
    const routesElsewhere = listExportKinds()
      .filter((definition) => definition.kind !== servedKind)
      .flatMap((definition) =>
        definition.routes
          .filter((route) => route.method === request.method && route.path === path)
          .map((route) => ({ kind: definition.kind, errorFormat: route.errorFormat })),
      );
    if (routesElsewhere.length === 0) {
      return reply.status(404).send(
        formatErrorBody('tessera', {
          status: 404,
          code: 'E_REQUEST_ROUTE',
          message: `no endpoint ${request.method} ${path}; ${listed}`,
        }),
      );
    }
    const kinds = [...new Set(routesElsewhere.map((route) => `'${route.kind}'`))];
    const format = routesElsewhere.some((route) => route.errorFormat === 'openai') ? 'openai' : 'tessera';
    return reply.status(404).send(
      formatErrorBody(format, {
        status: 404,
        code: 'E_SERVER_MODEL_KIND',
        message: `this server serves a '${servedKind}' model; ${request.method} ${path} needs a ${kinds.join(' or ')} export; ${listed}`,
      }),
    );
  };
}
