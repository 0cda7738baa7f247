import { createRandomGenerator, initBackend, tf } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createImageLoader } from '../data/image-loader.js';
import { createImageSet } from '../data/image-set.js';
import type { FloatImage } from './float-image.js';
import { cropWithPadding, flipHorizontal, normalizeImage, rotateImage } from './geometry.js';
import { composeTransforms, randomCrop, randomHorizontalFlip, randomRotation } from './transforms.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** value(row, column, channel) = 100·row + 10·column + channel: every pixel says where it came from. */
function coordinates(height: number, width: number, channels: number): FloatImage {
  const data = new Float32Array(height * width * channels);
  for (let row = 0; row < height; row++)
    for (let column = 0; column < width; column++)
      for (let channel = 0; channel < channels; channel++)
        data[(row * width + column) * channels + channel] = 100 * row + 10 * column + channel;
  return { data, height, width, channels };
}

const at = (image: FloatImage, row: number, column: number, channel = 0) =>
  image.data[(row * image.width + column) * image.channels + channel];

describe('geometric augmentations', () => {
  it('flips as an exact mirror, and twice is the identity', () => {
    const image = coordinates(3, 4, 2);
    const flipped = flipHorizontal(image);
    for (let row = 0; row < 3; row++)
      for (let column = 0; column < 4; column++)
        for (let channel = 0; channel < 2; channel++)
          expect(at(flipped, row, column, channel)).toBe(at(image, row, 3 - column, channel));
    expect(Array.from(flipHorizontal(flipped).data)).toEqual(Array.from(image.data));
  });

  it('crops from the padded image: offsets shift the content and fill the border', () => {
    const image = coordinates(4, 4, 1);
    expect(Array.from(cropWithPadding(image, { top: 2, left: 2, padding: 2 }).data)).toEqual(Array.from(image.data));
    // top 0, left 3 with padding 2: content moves down by 2 and left by 1.
    const shifted = cropWithPadding(image, { top: 0, left: 3, padding: 2, fill: -1 });
    expect(at(shifted, 0, 0)).toBe(-1);
    expect(at(shifted, 1, 3)).toBe(-1);
    expect(at(shifted, 2, 0)).toBe(at(image, 0, 1));
    expect(at(shifted, 3, 2)).toBe(at(image, 1, 3));
    expect(at(shifted, 3, 3)).toBe(-1);
    expect(() => cropWithPadding(image, { top: 5, left: 0, padding: 2 })).toThrow(/E_AUGMENT_CROP/);
  });

  it('rotates 90° counter-clockwise as numpy.rot90 and 0° as the identity', () => {
    const image = coordinates(5, 5, 1);
    const rotated = rotateImage(image, 90);
    // numpy: rot90(A)[i, j] = A[j, n − 1 − i]
    for (let row = 0; row < 5; row++)
      for (let column = 0; column < 5; column++)
        expect(at(rotated, row, column)).toBeCloseTo(at(image, column, 4 - row) as number, 4);
    expect(Array.from(rotateImage(image, 0).data)).toEqual(Array.from(image.data));
    // 180° on an even-sized image: both centre axes fall between pixels, still an exact point reflection.
    const even = coordinates(4, 6, 1);
    const half = rotateImage(even, 180);
    expect(at(half, 0, 0)).toBeCloseTo(at(even, 3, 5) as number, 4);
  });

  it('interpolates bilinearly between pixels for small angles and fills outside', () => {
    const image: FloatImage = { data: new Float32Array(9).fill(1), height: 3, width: 3, channels: 1 };
    const rotated = rotateImage(image, 45, 0);
    expect(at(rotated, 1, 1)).toBeCloseTo(1, 6); // the centre stays
    // Corner (0, 0) maps back to distance √2·… outside the image on one side: partly fill.
    expect(at(rotated, 0, 0)).toBeLessThan(1);
  });

  it('normalises per channel', () => {
    const image: FloatImage = { data: new Float32Array([0.5, 1, 0, 0.2]), height: 1, width: 2, channels: 2 };
    const normalized = normalizeImage(image, [0.5, 0.2], [0.25, 0.4]);
    [0, 2, -2, 0].forEach((expected, index) => {
      expect(normalized.data[index]).toBeCloseTo(expected, 5);
    });
    expect(() => normalizeImage(image, [0], [1])).toThrow(/E_IMAGE_NORMALIZE/);
  });
});

describe('seeded random augmentation', () => {
  const pipeline = composeTransforms(
    randomCrop({ padding: 2 }),
    randomHorizontalFlip(),
    randomRotation({ degrees: 10 }),
  );

  it('gives the same images for the same seed and different ones for another', () => {
    const image = coordinates(8, 8, 3);
    const run = (seed: number) => {
      const random = createRandomGenerator(seed);
      return [0, 1, 2, 3].map(() => Array.from(pipeline(image, random).data));
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('random crops are whole-pixel shifts within ±padding', () => {
    const image = coordinates(6, 6, 1);
    const random = createRandomGenerator(1);
    const crop = randomCrop({ padding: 2, fill: -1 });
    const seen = new Set<string>();
    for (let trial = 0; trial < 60; trial++) {
      const out = crop(image, random);
      // The centre pixel (3, 3) of the output reads input (3 + dy, 3 + dx) with |dy|, |dx| ≤ 2.
      const value = at(out, 3, 3) as number;
      const dy = Math.floor(value / 100) - 3;
      const dx = Math.floor((value % 100) / 10) - 3;
      expect(Math.abs(dy)).toBeLessThanOrEqual(2);
      expect(Math.abs(dx)).toBeLessThanOrEqual(2);
      seen.add(`${dy},${dx}`);
    }
    expect(seen.size).toBeGreaterThan(15); // of the 25 possible shifts
  });

  it('a seeded loader yields the same augmented batches on every run, and keeps tensors flat', async () => {
    const set = createImageSet({
      pixels: Uint8Array.from({ length: 6 * 8 * 8 }, (_, i) => (i * 37) % 256),
      labels: Int32Array.from([0, 1, 0, 1, 0, 1]),
      height: 8,
      width: 8,
      channels: 1,
      classNames: ['a', 'b'],
    });
    const first = async () => {
      const loader = createImageLoader(set, {
        batchSize: 4,
        shuffle: true,
        seed: 3,
        transform: randomCrop({ padding: 1 }),
      });
      const batches: number[][] = [];
      for await (const batch of loader) {
        expect(batch.images.shape.slice(1)).toEqual([8, 8, 1]);
        expect(batch.labels.dtype).toBe('int32');
        batches.push(Array.from(await batch.images.data()));
        tf.dispose([batch.images, batch.labels]);
      }
      return batches;
    };
    const before = tf.memory().numTensors;
    expect(await first()).toEqual(await first());
    expect(tf.memory().numTensors).toBe(before);
  });
});
