import type { FastifyRequest } from 'fastify';

/**
 * The two shapes of an error answer. Tessera's routes answer `{"error": {"code", "message"}}`;
 * the OpenAI-compatible routes (`ServeRoute.errorFormat: 'openai'`, and `GET /v1/models`) answer
 * OpenAI's `{"error": {"message", "type", "param", "code"}}`, so OpenAI clients raise their typed
 * errors (`AuthenticationError`, `BadRequestError`, `RateLimitError`…); Tessera's code is kept in
 * `code`. The status is the same either way.
 */
export type ErrorFormat = 'tessera' | 'openai';

/** The JSON body of every Tessera error answer: a stable code and a message that says what to fix. */
export interface ErrorBody {
  error: { code: string; message: string };
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

/** What fastify's `config` route option carries for these routes. */
export interface ServeRouteConfig {
  errorFormat?: ErrorFormat;
}

/** The error format of the route this request matched (Tessera's for unmatched paths). */
export function routeErrorFormat(request: FastifyRequest): ErrorFormat {
  const config = request.routeOptions?.config as ServeRouteConfig | undefined;
  return config?.errorFormat === 'openai' ? 'openai' : 'tessera';
}

/** OpenAI's `type`: what kind of failure, by status, as OpenAI's API names them. */
function openAIErrorType(status: number): string {
  if (status === 429) return 'rate_limit_error';
  if (status === 401) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

export interface ErrorFacts {
  status: number;
  code: string;
  message: string;
  /** The request field at fault (OpenAI's `param`), when one is. */
  param?: string | undefined;
}

export function formatErrorBody(format: ErrorFormat, facts: ErrorFacts): ErrorBody | OpenAIErrorBody {
  if (format === 'openai') {
    return {
      error: {
        message: facts.message,
        type: openAIErrorType(facts.status),
        param: facts.param ?? null,
        code: facts.code,
      },
    };
  }
  return { error: { code: facts.code, message: facts.message } };
}
