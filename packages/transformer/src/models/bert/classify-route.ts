import type { ServeLimits, ServeRoute } from '@tessera/core';
import { classifyTexts, type LoadedBertClassifierExport } from './load-bert-classifier-export.js';

interface ClassifyBody {
  texts: string[];
  top?: number;
}

/** One label of a prediction. */
export interface LabelProbability {
  label: string;
  probability: number;
}

export function classifySchema(limits: ServeLimits) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['texts'],
    properties: {
      texts: {
        type: 'array',
        minItems: 1,
        maxItems: limits.maxBatch,
        items: { type: 'string', minLength: 1, maxLength: limits.maxTextCharacters },
      },
      top: { type: 'integer', minimum: 1, maximum: 1000 },
    },
  } as const;
}

/** The `count` most likely labels of one row of class probabilities, most likely first. */
export function rankLabels(
  probabilities: readonly number[],
  labels: readonly string[],
  count: number,
): LabelProbability[] {
  return probabilities
    .map((probability, index) => ({ label: labels[index] ?? String(index), probability }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, count);
}

/** POST /v1/classify: {texts, top} → per text the labels ranked by probability (the `top` most likely). */
export const classifyRoute: ServeRoute<LoadedBertClassifierExport> = {
  method: 'POST',
  path: '/v1/classify',
  bodySchema: (_loaded, limits) => classifySchema(limits),
  async handle(loaded, requestBody, context) {
    const body = requestBody as ClassifyBody;
    const count = body.top ?? loaded.labels.length;
    const probabilities = await context.run(async () => classifyTexts(loaded, body.texts));
    return { predictions: probabilities.map((row) => rankLabels(row, loaded.labels, count)) };
  },
};
