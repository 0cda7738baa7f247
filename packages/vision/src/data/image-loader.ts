import { createDataLoader, createRandomGenerator, type DataLoader, TesseraError, tf } from '@tessera/core';
import type { FloatImage } from '../augmentation/float-image.js';
import type { ImageTransform } from '../augmentation/transforms.js';
import type { ImageSet } from './image-set.js';

/** A batch as the vision models and tasks read it (a type alias, so it fits Record<string, tf.Tensor>). */
export type ImageBatch = {
  images: tf.Tensor4D; // [batch, height, width, channels], float32
  labels: tf.Tensor1D; // [batch], int32
};

export interface ImageLoaderOptions {
  batchSize: number;
  /** Reshuffle every epoch (default false). */
  shuffle?: boolean;
  /** Seeds the shuffle and the augmentation (default 0). */
  seed?: number;
  dropLast?: boolean;
  /**
   * Applied to every image in [0, 1] (after `scale`), e.g. composeTransforms(randomCrop(…),
   * normalizePerChannel(…)). Random transforms draw from one generator seeded by `seed` and
   * advanced batch after batch, so a run from the start repeats exactly; a run resumed mid-way
   * gets the same shuffle (a function of seed and epoch) but different augmentations.
   */
  transform?: ImageTransform;
  /** Factor from 8-bit pixels to floats (default 1/255: values in [0, 1]). */
  scale?: number;
}

/**
 * Batches an ImageSet into { images [batch, H, W, C] float32, labels [batch] int32 }. Pixels stay
 * 8-bit in memory and are converted (and augmented) one batch at a time.
 *
 * ```ts
 * const loader = createImageLoader(train, { batchSize: 64, shuffle: true, seed: 1,
 *   transform: composeTransforms(randomCrop({ padding: 2 })) });
 * ```
 */
export function createImageLoader(set: ImageSet, options: ImageLoaderOptions): DataLoader<number, ImageBatch> {
  const { height, width, channels } = set;
  const imageSize = height * width * channels;
  const scale = options.scale ?? 1 / 255;
  const random = createRandomGenerator(options.seed ?? 0, 7);
  if (set.count === 0) throw new TesseraError('E_IMAGE_SET', 'the image set is empty');
  const indices = { length: set.count, get: (index: number) => index };
  return createDataLoader<number, ImageBatch>(indices, {
    batchSize: options.batchSize,
    shuffle: options.shuffle ?? false,
    seed: options.seed ?? 0,
    dropLast: options.dropLast ?? false,
    collate: (batch) => {
      const values = new Float32Array(batch.length * imageSize);
      const labels = new Int32Array(batch.length);
      batch.forEach((index, position) => {
        const pixels = set.pixels.subarray(index * imageSize, (index + 1) * imageSize);
        let image: FloatImage = { data: Float32Array.from(pixels, (value) => value * scale), height, width, channels };
        if (options.transform !== undefined) image = options.transform(image, random);
        if (image.data.length !== imageSize) {
          throw new TesseraError(
            'E_AUGMENT_SHAPE',
            `the transform returned a ${image.height}×${image.width}×${image.channels} image; batches need ${height}×${width}×${channels}`,
          );
        }
        values.set(image.data, position * imageSize);
        labels[position] = set.labels[index] as number;
      });
      return {
        images: tf.tensor4d(values, [batch.length, height, width, channels]),
        labels: tf.tensor1d(labels, 'int32'),
      };
    },
  });
}
