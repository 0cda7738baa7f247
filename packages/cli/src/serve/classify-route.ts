import { TesseraError } from '@tessera/core';
import { classifyTexts } from '@tessera/transformer';
import { classifyImages } from '@tessera/vision';
import type { FastifyInstance } from 'fastify';
import type { InferenceQueue } from './inference-queue.js';
import type { ServedModel } from './served-model.js';
import type { InferenceServerLimits } from './server-limits.js';

interface ClassifyBody {
  texts?: string[];
  images?: string[];
  top?: number;
}

const top = { type: 'integer', minimum: 1, maximum: 1000 } as const;

/** Text classifiers take {texts}; image classifiers {images} (base64 PNG or JPEG). */
export function classifySchema(served: ServedModel, limits: InferenceServerLimits) {
  if (served.kind === 'image-classifier') {
    return {
      type: 'object',
      additionalProperties: false,
      required: ['images'],
      properties: {
        images: {
          type: 'array',
          minItems: 1,
          maxItems: limits.maxBatch,
          items: { type: 'string', minLength: 8, pattern: '^[A-Za-z0-9+/]+={0,2}$' },
        },
        top,
      },
    } as const;
  }
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
      top,
    },
  } as const;
}

/** POST /v1/classify → per input the labels ranked by probability (the `top` most likely). */
export function registerClassifyRoute(
  app: FastifyInstance,
  served: ServedModel,
  queue: InferenceQueue,
  limits: InferenceServerLimits,
): void {
  app.post<{ Body: ClassifyBody }>(
    '/v1/classify',
    { schema: { body: classifySchema(served, limits) } },
    async (request) => {
      if (served.kind !== 'bert-classifier' && served.kind !== 'image-classifier') {
        throw new TesseraError(
          'E_SERVER_MODEL_KIND',
          `this server serves a '${served.kind}' model; /v1/classify needs a classifier export`,
        );
      }
      const labels = served.kind === 'bert-classifier' ? served.labels : served.preprocessing.classNames;
      const count = request.body.top ?? labels.length;
      const probabilities = await queue.run(async () => {
        if (served.kind === 'bert-classifier') return classifyTexts(served, request.body.texts ?? []);
        const images = (request.body.images ?? []).map((text) => new Uint8Array(Buffer.from(text, 'base64')));
        return classifyImages(served, images); // undecodable bytes → 400 E_IMAGE_*
      });
      return {
        predictions: probabilities.map((row) =>
          row
            .map((probability, index) => ({ label: labels[index] ?? String(index), probability }))
            .sort((a, b) => b.probability - a.probability)
            .slice(0, count),
        ),
      };
    },
  );
}
