import type { ExportKind, ExportPrediction, ServeLimits } from '@tessera/core';
import { predictImageFiles } from '../predict/predict-image-files.js';
import {
  classifyImages,
  type LoadedImageClassifierExport,
  loadImageClassifierExport,
} from './export-image-classifier.js';

/**
 * The 'image-classifier' export kind: how `tessera serve`, `predict` and `info` load, describe,
 * free, run and serve what `exportImageClassifier` writes. Registered with @tessera/core's
 * export-kind registry when @tessera/vision is imported.
 */

interface ClassifyImagesBody {
  /** Base64 PNG or JPEG bytes. */
  images: string[];
  top?: number;
}

interface RankedLabel {
  label: string;
  probability: number;
}

/** The `count` most probable labels of one row of probabilities, most probable first. */
function rankLabels(probabilities: readonly number[], labels: readonly string[], count: number): RankedLabel[] {
  return probabilities
    .map((probability, index) => ({ label: labels[index] ?? String(index), probability }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, count);
}

function classifyImagesSchema(limits: ServeLimits): Record<string, unknown> {
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
      top: { type: 'integer', minimum: 1, maximum: 1000 },
    },
  };
}

export const imageClassifierExportKind: ExportKind<LoadedImageClassifierExport> = {
  kind: 'image-classifier',
  packageName: '@tessera/vision',
  description: 'classifies images (PNG or JPEG) into the classes it was trained on',
  predictInputs: 'PNG/JPEG files',
  load: loadImageClassifierExport,
  describe: (loaded) => ({ architecture: loaded.description.architecture, ...loaded.preprocessing }),
  dispose: (loaded) => loaded.model.dispose(),
  async predict(loaded, inputs, options) {
    const { inputShape, normalization, classNames } = loaded.preprocessing;
    const predictions = await predictImageFiles(loaded.model, inputs, {
      inputShape,
      classNames,
      ...(normalization === null ? {} : { normalization }),
    });
    const count = options.top ?? 3;
    return predictions.map(
      (prediction): ExportPrediction => ({
        input: prediction.path,
        summary: rankLabels(prediction.probabilities, classNames, count)
          .map(({ label, probability }) => `${label} ${(100 * probability).toFixed(1)}%`)
          .join(', '),
        value: prediction,
      }),
    );
  },
  routes: [
    {
      method: 'POST',
      path: '/v1/classify',
      bodySchema: (_loaded, limits) => classifyImagesSchema(limits),
      /** {images, top} → per image the class names ranked by probability (the `top` most likely). */
      async handle(loaded, body, context) {
        const { images, top } = body as ClassifyImagesBody;
        const labels = loaded.preprocessing.classNames;
        const probabilities = await context.run(async () =>
          // Undecodable bytes → 400 E_IMAGE_*.
          classifyImages(
            loaded,
            images.map((text) => new Uint8Array(Buffer.from(text, 'base64'))),
          ),
        );
        return { predictions: probabilities.map((row) => rankLabels(row, labels, top ?? labels.length)) };
      },
    },
  ],
};
