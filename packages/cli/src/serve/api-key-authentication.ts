import { createHash, timingSafeEqual } from 'node:crypto';
import { TesseraError } from '@tessera/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatErrorBody, routeErrorFormat } from './error-format.js';

/** Liveness stays open so probes and load balancers need no key. */
const OPEN_ROUTES = new Set(['/health']);

/** Hashing first gives both sides one length, so the comparison leaks neither the key nor its length. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The key of an `Authorization: Bearer <key>` header (the scheme in any case), or undefined. */
function bearerToken(header: string | undefined): string | undefined {
  const [scheme, token, ...rest] = (header ?? '').trim().split(/\s+/);
  return scheme?.toLowerCase() === 'bearer' && token !== undefined && rest.length === 0 ? token : undefined;
}

/**
 * An onRequest hook that answers 401 unless the request carries `Authorization: Bearer <apiKey>`
 * (compared in constant time), on every route but `/health`, unknown paths included. The body is
 * OpenAI's error shape on the OpenAI-compatible routes and Tessera's elsewhere, with the code
 * `E_REQUEST_UNAUTHORIZED` either way.
 */
export function apiKeyAuthentication(apiKey: string) {
  if (typeof apiKey !== 'string' || apiKey.length === 0 || apiKey.trim() !== apiKey || /\s/.test(apiKey)) {
    throw new TesseraError('E_SERVER_OPTION', 'apiKey must be a non-empty string without whitespace');
  }
  const expected = digest(apiKey);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (OPEN_ROUTES.has(request.routeOptions.url ?? '')) return undefined;
    const presented = bearerToken(request.headers.authorization);
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return undefined;
    const message =
      presented === undefined
        ? 'this server requires an API key: send the header Authorization: Bearer <key>'
        : 'the API key is not valid for this server';
    request.log.info({ code: 'E_REQUEST_UNAUTHORIZED', status: 401 }, 'request refused');
    // Returning the reply tells fastify the hook answered: the handler does not run.
    return reply
      .status(401)
      .header('www-authenticate', 'Bearer')
      .send(formatErrorBody(routeErrorFormat(request), { status: 401, code: 'E_REQUEST_UNAUTHORIZED', message }));
  };
}
