import { TesseraError } from '@tessera/core';
import type { FastifyInstance } from 'fastify';
import type { InferenceQueue } from './inference-queue.js';
import type { ServedModel } from './served-model.js';
import type { InferenceServerLimits } from './server-limits.js';

interface RecommendBody {
  userId: string;
  count?: number;
  excludeSeen?: boolean;
}

export function recommendSchema(limits: InferenceServerLimits) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['userId'],
    properties: {
      userId: { type: 'string', minLength: 1, maxLength: 256 },
      count: { type: 'integer', minimum: 1, maximum: limits.maxBatch * 10 },
      excludeSeen: { type: 'boolean' },
    },
  } as const;
}

/** POST /v1/recommend: {userId, count, excludeSeen} → the user's best items with scores. */
export function registerRecommendRoute(
  app: FastifyInstance,
  served: ServedModel,
  queue: InferenceQueue,
  limits: InferenceServerLimits,
): void {
  app.post<{ Body: RecommendBody }>('/v1/recommend', { schema: { body: recommendSchema(limits) } }, async (request) => {
    if (served.kind !== 'recommender') {
      throw new TesseraError(
        'E_SERVER_MODEL_KIND',
        `this server serves a '${served.kind}' model; /v1/recommend needs a 'recommender' export`,
      );
    }
    const { userId, count = 10, excludeSeen = true } = request.body;
    // Unknown users → 404 E_RECSYS_UNKNOWN_ID with examples of known ids.
    const items = await queue.run(async () => served.model.recommend(userId, count, { excludeSeen }));
    return { userId, items };
  });
}
