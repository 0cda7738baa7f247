import { type ErrorCategory, isTesseraError } from '@tessera/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorBody, formatErrorBody, type OpenAIErrorBody, routeErrorFormat } from './error-format.js';

/**
 * A TesseraError's category says whose move it is, so it decides the status: the caller's input
 * (400), a thing that does not exist (404), too many requests (429, retry after a second), a
 * resource not there for now (503, retry after a few), or a failure of ours (500, logged).
 */
const STATUS_BY_CATEGORY: Record<ErrorCategory, { status: number; retryAfterSeconds?: number }> = {
  input: { status: 400 },
  'not-found': { status: 404 },
  busy: { status: 429, retryAfterSeconds: 1 },
  unavailable: { status: 503, retryAfterSeconds: 5 },
  internal: { status: 500 },
};

interface ValidationEntry {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/** `/messages/0/role` → `messages.0.role`; undefined for the body itself. */
function fieldName(instancePath: string | undefined, child?: unknown): string | undefined {
  const parts = (instancePath ?? '').split('/').filter((part) => part.length > 0);
  if (child !== undefined) parts.push(String(child));
  return parts.length > 0 ? parts.join('.') : undefined;
}

/** "body/maxTokens must be <= 256", with the offending name for unknown fields; `param` names the first field at fault. */
function describeValidation(error: FastifyError): { message: string; param: string | undefined } {
  const entries = (error.validation ?? []) as ValidationEntry[];
  const parts = entries.map((entry) => {
    const where = `${error.validationContext ?? 'body'}${entry.instancePath ?? ''}`;
    if (entry.keyword === 'additionalProperties') {
      return `${where} has an unknown field '${String(entry.params?.additionalProperty)}' (remove it; see GET /v1/model for the accepted fields)`;
    }
    return `${where} ${entry.message ?? 'is invalid'}`;
  });
  const first = entries[0];
  const param =
    first === undefined
      ? undefined
      : fieldName(
          first.instancePath,
          first.keyword === 'additionalProperties' ? first.params?.additionalProperty : undefined,
        );
  return { message: parts.length > 0 ? parts.join('; ') : error.message, param };
}

/**
 * Maps every failure to a status and an error body in the route's format (Tessera's, or OpenAI's
 * on the OpenAI-compatible routes); only unexpected ones are 500 and logged as errors.
 */
export function errorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): ErrorBody | OpenAIErrorBody {
  let status = 500;
  let code = 'E_SERVER_INTERNAL';
  let message = 'the server failed to answer this request; the error is in its log';
  let param: string | undefined;
  if (error.validation !== undefined) {
    status = 400;
    code = 'E_REQUEST_INVALID';
    ({ message, param } = describeValidation(error));
  } else if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    status = 400;
    code = 'E_REQUEST_JSON';
    message = `the request body is not valid JSON (${error.message}); send a JSON object with content-type application/json`;
  } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    status = 413;
    code = 'E_REQUEST_TOO_LARGE';
    message = `the request body is larger than this server's limit of ${request.routeOptions.bodyLimit ?? 'its configured'} bytes`;
  } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    status = 415;
    code = 'E_REQUEST_CONTENT_TYPE';
    message = `content-type ${JSON.stringify(request.headers['content-type'] ?? '')} is not supported; send application/json`;
  } else if (isTesseraError(error) && error.category !== 'internal') {
    const answer = STATUS_BY_CATEGORY[error.category] ?? STATUS_BY_CATEGORY.input;
    status = answer.status;
    code = error.code;
    message = error.message;
    if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds));
  } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    status = error.statusCode;
    code = 'E_REQUEST';
    message = error.message;
  }
  if (status >= 500 && status !== 503) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code, status }, 'request refused');
  reply.status(status);
  return formatErrorBody(routeErrorFormat(request), { status, code, message, param });
}
