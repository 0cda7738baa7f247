import { listExportKinds } from '@tessera/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Answers 404 for anything this server has no route for, listing its endpoints. A route another
 * registered kind serves (POST /v1/classify on a GPT server) is E_SERVER_MODEL_KIND, saying which
 * kind it needs; anything else is E_REQUEST_ROUTE.
 */
export function routeNotFoundHandler(servedKind: string, endpoints: readonly string[]) {
  const listed = `endpoints: ${['GET /health', 'GET /v1/model', ...endpoints].join(', ')}`;
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const path = request.url.split('?')[0] ?? request.url;
    const kindsWithRoute = listExportKinds()
      .filter((definition) => definition.kind !== servedKind)
      .filter((definition) => definition.routes.some((route) => route.method === request.method && route.path === path))
      .map((definition) => `'${definition.kind}'`);
    const body: { error: { code: string; message: string } } =
      kindsWithRoute.length > 0
        ? {
            error: {
              code: 'E_SERVER_MODEL_KIND',
              message: `this server serves a '${servedKind}' model; ${request.method} ${path} needs a ${kindsWithRoute.join(' or ')} export; ${listed}`,
            },
          }
        : { error: { code: 'E_REQUEST_ROUTE', message: `no endpoint ${request.method} ${path}; ${listed}` } };
    return reply.status(404).send(body);
  };
}
