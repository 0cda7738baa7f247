import type { ExportKind, ExportPrediction, ServeLimits } from '@tessera/core';
import { NeuralRecommender } from '../neural/neural-recommender.js';
import { type LoadedRecommenderExport, loadRecommenderExport } from './export-recommender.js';

/**
 * The 'recommender' export kind: how `tessera serve`, `predict` and `info` load, describe, free,
 * run and serve what `exportRecommender` writes. Registered with @tessera/core's export-kind
 * registry when @tessera/recsys is imported.
 */

interface RecommendBody {
  userId: string;
  count?: number;
  excludeSeen?: boolean;
}

function recommendSchema(limits: ServeLimits): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['userId'],
    properties: {
      userId: { type: 'string', minLength: 1, maxLength: 256 },
      count: { type: 'integer', minimum: 1, maximum: limits.maxBatch * 10 },
      excludeSeen: { type: 'boolean' },
    },
  };
}

export const recommenderExportKind: ExportKind<LoadedRecommenderExport> = {
  kind: 'recommender',
  packageName: '@tessera/recsys',
  description: "ranks the items a user has not seen by the model's predicted preference",
  predictInputs: 'user ids',
  load: loadRecommenderExport,
  describe: ({ model }) => ({
    recommender: model.kind,
    users: model.matrix.userCount,
    items: model.matrix.itemCount,
    ...model.config(),
  }),
  // Only neural recommenders hold tensors; the others are plain arrays.
  dispose: ({ model }) => {
    if (model instanceof NeuralRecommender) model.dispose();
  },
  async predict({ model }, inputs, options) {
    const count = options.top ?? 10;
    return inputs.map((userId): ExportPrediction => {
      // Unknown users → E_RECSYS_UNKNOWN_ID with examples of known ids.
      const items = model.recommend(userId, count, { excludeSeen: true });
      return {
        input: userId,
        summary: items.map((item) => `${item.itemId} ${item.score.toFixed(4)}`).join(', '),
        value: { userId, items },
      };
    });
  },
  routes: [
    {
      method: 'POST',
      path: '/v1/recommend',
      bodySchema: (_loaded, limits) => recommendSchema(limits),
      /** {userId, count, excludeSeen} → the user's best items with scores. */
      async handle({ model }, body, context) {
        const { userId, count = 10, excludeSeen = true } = body as RecommendBody;
        // Unknown users → 404 E_RECSYS_UNKNOWN_ID with examples of known ids.
        const items = await context.run(async () => model.recommend(userId, count, { excludeSeen }));
        return { userId, items };
      },
    },
  ],
};
