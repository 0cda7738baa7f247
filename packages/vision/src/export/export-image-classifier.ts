import {
  type ExportLocation,
  type ExportManifest,
  findPackageVersion,
  readExportDirectory,
  readExportJson,
  TesseraError,
  tf,
  writeExportDirectory,
} from '@tessera/core';
import type { ChannelCount } from '../image/bitmap.js';
import { decodeImage } from '../image/image-file.js';
import { bitmapToTensor, checkStatistics } from '../image/image-tensor.js';
import type { ImageClassifier } from '../models/image-classifier.js';
import { createImageClassifier } from '../models/image-model-registry.js';
import type { ImageClassifierDescription } from '../predict/saved-image-classifier.js';

/**
 * Image classifiers as Tessera exports (kind 'image-classifier'): weights in model.safetensors
 * (float32 or int8 per output channel: Conv2d filters [h, w, in, out] and Linear weights
 * [in, out] both along their last axis), the architecture in config.json, and what an application
 * must do to an image before the model sees it in preprocessing.json (input size, channels,
 * normalization, class names).
 */

export const PREPROCESSING_FILE = 'preprocessing.json';

/** preprocessing.json: how to turn an image file into the model's input, and what the outputs mean. */
export interface ImagePreprocessing {
  /** `[height, width, channels]`: images are converted to these channels and resized (bilinear). */
  inputShape: [number, number, number];
  /** Pixels are scaled to [0, 1], then (x - mean[c]) / std[c] when given. */
  normalization: { mean: number[]; std: number[] } | null;
  classNames: string[];
}

export interface LoadedImageClassifierExport {
  kind: 'image-classifier';
  model: ImageClassifier;
  description: ImageClassifierDescription;
  preprocessing: ImagePreprocessing;
  manifest: ExportManifest;
}

/** Exports an image classifier with its preprocessing; `description` is what saveImageClassifier takes. */
export async function exportImageClassifier(
  directory: string,
  model: ImageClassifier,
  description: ImageClassifierDescription,
  options: { quantization?: 'int8'; metadata?: Record<string, unknown>; overwrite?: boolean } = {},
): Promise<ExportManifest> {
  const [, , channels] = model.inputShape;
  if (description.normalization !== undefined) {
    checkStatistics(channels, description.normalization.mean, description.normalization.std);
  }
  const { random: _, ...config } = description.config as { random?: unknown };
  const preprocessing: ImagePreprocessing = {
    inputShape: [...model.inputShape],
    normalization: description.normalization ?? null,
    classNames: description.classNames,
  };
  return writeExportDirectory(directory, {
    kind: 'image-classifier',
    config: { architecture: description.architecture, config },
    tensors: model.stateDict(),
    files: { [PREPROCESSING_FILE]: JSON.stringify(preprocessing) },
    quantization: options.quantization,
    producer: { name: '@tessera/vision', version: await findPackageVersion(import.meta.url, '@tessera/vision') },
    metadata: options.metadata ?? {},
    overwrite: options.overwrite ?? false,
  });
}

/** Loads an image classifier export (directory, URL or ExportSource); the model is in eval mode. */
export async function loadImageClassifierExport(location: ExportLocation): Promise<LoadedImageClassifierExport> {
  const contents = await readExportDirectory<Pick<ImageClassifierDescription, 'architecture' | 'config'>>(location, {
    kinds: ['image-classifier'],
  });
  try {
    const preprocessing = readExportJson<ImagePreprocessing>(contents, PREPROCESSING_FILE);
    const { architecture, config } = contents.config;
    const model = createImageClassifier(architecture, config);
    try {
      model.loadStateDict(contents.tensors);
    } catch (error) {
      model.dispose();
      throw new TesseraError(
        'E_EXPORT_WEIGHTS',
        `the weights in ${contents.location} do not fit a ${architecture} built from its config.json: ${(error as Error).message}`,
        { cause: error },
      );
    }
    model.eval();
    const description: ImageClassifierDescription = {
      architecture,
      config,
      classNames: preprocessing.classNames,
      ...(preprocessing.normalization === null ? {} : { normalization: preprocessing.normalization }),
    };
    return { kind: 'image-classifier', model, description, preprocessing, manifest: contents.manifest };
  } finally {
    tf.dispose(Object.values(contents.tensors));
  }
}

/**
 * Class probabilities for encoded images (PNG or JPEG bytes), preprocessed as the export says:
 * decode, convert channels, resize, scale to [0, 1], normalize. One row per image.
 */
export function classifyImages(loaded: LoadedImageClassifierExport, images: readonly Uint8Array[]): number[][] {
  const [height, width, channels] = loaded.preprocessing.inputShape;
  const bitmaps = images.map((bytes, index) =>
    decodeImage(bytes, { channels: channels as ChannelCount }, `image ${index}`),
  );
  const { normalization } = loaded.preprocessing;
  return tf.tidy(() => {
    const batch = tf.stack(
      bitmaps.map((bitmap) => {
        const image = bitmapToTensor(bitmap); // [height, width, channels] in [0, 1]
        const sized =
          bitmap.height === height && bitmap.width === width
            ? image
            : tf.image.resizeBilinear(image, [height, width], false, true);
        return normalization === null ? sized : tf.div(tf.sub(sized, normalization.mean), normalization.std);
      }),
    ); // [images, height, width, channels]
    return tf.softmax(loaded.model.forward(batch)).arraySync() as number[][];
  });
}
