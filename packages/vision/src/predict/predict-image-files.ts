import { type Module, TesseraError, tf } from '@tessera/core';
import type { ChannelCount } from '../image/bitmap.js';
import { readImageFile } from '../image/image-file.js';
import { bitmapToTensor, checkStatistics } from '../image/image-tensor.js';

export interface ImagePredictionOptions {
  /** [height, width, channels] the model takes; files are converted and resized to it. */
  inputShape: readonly [number, number, number];
  /** Per-channel normalisation after scaling to [0, 1], as in training. */
  normalization?: { mean: readonly number[]; std: readonly number[] };
  classNames?: readonly string[];
  /** Files per forward pass (default 32). */
  batchSize?: number;
}

export interface ImagePrediction {
  path: string;
  /** Softmax probability of each class. */
  probabilities: number[];
  /** Index of the most probable class. */
  predictedClass: number;
  /** Its name, when classNames were given. */
  predictedName?: string;
}

/**
 * The preprocessing a classifier's training data went through, applied to image files: decode
 * (PNG/JPEG), convert to the model's channels, resize (bilinear, half-pixel centres), scale to
 * [0, 1], normalise. Returns [count, height, width, channels].
 */
export async function loadImageBatch(
  paths: readonly string[],
  options: Pick<ImagePredictionOptions, 'inputShape' | 'normalization'>,
): Promise<tf.Tensor4D> {
  const [height, width, channels] = options.inputShape;
  if (![1, 3, 4].includes(channels)) {
    throw new TesseraError('E_IMAGE_SHAPE', `image files can feed models with 1, 3 or 4 channels, not ${channels}`);
  }
  if (options.normalization !== undefined) {
    checkStatistics(channels, options.normalization.mean, options.normalization.std);
  }
  const bitmaps = await Promise.all(paths.map((path) => readImageFile(path, { channels: channels as ChannelCount })));
  return tf.tidy(() => {
    const images = bitmaps.map((bitmap) => {
      const image = bitmapToTensor(bitmap);
      const sized =
        bitmap.height === height && bitmap.width === width
          ? image
          : tf.image.resizeBilinear(image, [height, width], false, true);
      return options.normalization === undefined
        ? sized
        : tf.div(tf.sub(sized, [...options.normalization.mean]), [...options.normalization.std]);
    });
    return tf.stack(images) as tf.Tensor4D;
  });
}

/**
 * Class probabilities for image files: `predictImageFiles(model, ['cat.png'], { inputShape: [32, 32, 3] })`.
 * Runs the model in eval mode (restoring its mode afterwards) in batches of `batchSize`.
 */
export async function predictImageFiles(
  model: Module<[tf.Tensor], tf.Tensor>,
  paths: readonly string[],
  options: ImagePredictionOptions,
): Promise<ImagePrediction[]> {
  const batchSize = options.batchSize ?? 32;
  const wasTraining = model.training;
  model.eval();
  const results: ImagePrediction[] = [];
  try {
    for (let start = 0; start < paths.length; start += batchSize) {
      const batchPaths = paths.slice(start, start + batchSize);
      const images = await loadImageBatch(batchPaths, options);
      const probabilities = tf.tidy(() => tf.softmax(model.forward(images)));
      images.dispose();
      const rows = (await probabilities.array()) as number[][];
      probabilities.dispose();
      rows.forEach((row, index) => {
        const predictedClass = row.indexOf(Math.max(...row));
        const name = options.classNames?.[predictedClass];
        results.push({
          path: batchPaths[index] as string,
          probabilities: row,
          predictedClass,
          ...(name === undefined ? {} : { predictedName: name }),
        });
      });
    }
  } finally {
    model.train(wasTraining);
  }
  return results;
}
