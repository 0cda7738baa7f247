import type { RandomGenerator } from '@tessera/core';
import { TesseraError } from '@tessera/core';
import type { FloatImage } from './float-image.js';
import { cropWithPadding, flipHorizontal, normalizeImage, rotateImage } from './geometry.js';

/**
 * One step of an augmentation pipeline: a new image from an image and a seeded generator, so a
 * seeded loader augments the same way on every run.
 */
export type ImageTransform = (image: FloatImage, random: RandomGenerator) => FloatImage;

/** Applies transforms in order (torchvision's Compose). */
export function composeTransforms(...transforms: ImageTransform[]): ImageTransform {
  return (image, random) => transforms.reduce((current, transform) => transform(current, random), image);
}

/**
 * Pads by `padding` pixels of `fill` and crops back to the original size at a uniformly random
 * offset: a random shift of up to ±padding pixels (the CIFAR recipe uses padding 4).
 */
export function randomCrop(options: { padding: number; fill?: number }): ImageTransform {
  const { padding } = options;
  if (!Number.isInteger(padding) || padding < 0) {
    throw new TesseraError('E_AUGMENT_CONFIG', `randomCrop padding must be a non-negative integer, got ${padding}`);
  }
  return (image, random) =>
    cropWithPadding(image, {
      top: random.nextInt(2 * padding + 1),
      left: random.nextInt(2 * padding + 1),
      padding,
      ...(options.fill === undefined ? {} : { fill: options.fill }),
    });
}

/** Mirrors left to right with `probability` (default 0.5). Not for digits, whose mirror images are other shapes. */
export function randomHorizontalFlip(options: { probability?: number } = {}): ImageTransform {
  const probability = options.probability ?? 0.5;
  return (image, random) => (random.nextFloat() < probability ? flipHorizontal(image) : image);
}

/** Rotates by an angle drawn uniformly from [−degrees, degrees] (torchvision's RandomRotation). */
export function randomRotation(options: { degrees: number; fill?: number }): ImageTransform {
  if (!(options.degrees >= 0 && options.degrees <= 180)) {
    throw new TesseraError('E_AUGMENT_CONFIG', `randomRotation degrees must be in [0, 180], got ${options.degrees}`);
  }
  return (image, random) => rotateImage(image, (2 * random.nextFloat() - 1) * options.degrees, options.fill ?? 0);
}

/** Per-channel (x − mean) / std; deterministic, so it can end any pipeline. */
export function normalizePerChannel(options: { mean: readonly number[]; std: readonly number[] }): ImageTransform {
  return (image) => normalizeImage(image, options.mean, options.std);
}
