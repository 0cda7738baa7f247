import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors, TesseraError, writeTextFileAtomically } from '@tessera/core';
import type { ImageClassifier } from '../models/image-classifier.js';
import {
  createImageClassifier,
  type ImageClassifierArchitecture,
  type ImageClassifierArchitectures,
} from '../models/image-model-registry.js';

/** What `vision-model.json` records beside the weights: enough to rebuild and feed the model. */
export interface ImageClassifierDescription<Name extends ImageClassifierArchitecture = ImageClassifierArchitecture> {
  architecture: Name;
  /** The config the model was built with (without `random`). */
  config: ImageClassifierArchitectures[Name];
  classNames: string[];
  /** Per-channel normalisation applied after scaling pixels to [0, 1]; omitted when none. */
  normalization?: { mean: number[]; std: number[] };
}

export const DESCRIPTION_FILE = 'vision-model.json';

/**
 * Writes `directory/model.safetensors` and `directory/vision-model.json`, which
 * `loadImageClassifier` and `tessera predict` read.
 */
export async function saveImageClassifier(
  directory: string,
  model: ImageClassifier,
  description: ImageClassifierDescription,
): Promise<void> {
  await mkdir(directory, { recursive: true });
  await saveSafetensors(join(directory, 'model.safetensors'), model.stateDict());
  const { random: _, ...config } = description.config as { random?: unknown };
  await writeTextFileAtomically(
    join(directory, DESCRIPTION_FILE),
    `${JSON.stringify({ ...description, config }, null, 2)}\n`,
  );
}

/**
 * Rebuilds a classifier saved by `saveImageClassifier`. The weights are read from
 * `model.safetensors` in the directory, or from `checkpoints/last/model.safetensors` (a Trainer run
 * directory with a vision-model.json written beside it).
 */
export async function loadImageClassifier(
  directory: string,
): Promise<{ model: ImageClassifier; description: ImageClassifierDescription }> {
  let description: ImageClassifierDescription;
  try {
    description = JSON.parse(await readFile(join(directory, DESCRIPTION_FILE), 'utf8')) as ImageClassifierDescription;
  } catch (error) {
    throw new TesseraError(
      'E_VISION_MODEL',
      `cannot read ${join(directory, DESCRIPTION_FILE)} (${(error as Error).message}); save the model with saveImageClassifier`,
      { cause: error },
    );
  }
  const candidates = [
    join(directory, 'model.safetensors'),
    join(directory, 'checkpoints', 'last', 'model.safetensors'),
  ];
  let weights: string | undefined;
  for (const candidate of candidates) {
    if (
      await access(candidate).then(
        () => true,
        () => false,
      )
    ) {
      weights = candidate;
      break;
    }
  }
  if (weights === undefined) {
    throw new TesseraError('E_VISION_MODEL', `no model.safetensors in ${directory} or its checkpoints/last`);
  }
  const model = createImageClassifier(description.architecture, description.config);
  const { tensors } = await loadSafetensors(weights);
  try {
    model.loadStateDict(tensors);
  } finally {
    for (const tensor of Object.values(tensors)) tensor.dispose();
  }
  model.eval();
  return { model, description };
}
