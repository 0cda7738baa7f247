import { createRandomGenerator } from '@tessera/core';
import { createImageSet, type ImageSet } from '../data/image-set.js';

/**
 * A tiny image problem for tests: 12×12 grey images with one bright bar on a noisy background;
 * class 0 horizontal, 1 vertical, 2 a diagonal. Solvable by a few 3×3 filters.
 */
export function barImages(count: number, seed: number, classCount = 2): ImageSet {
  const side = 12;
  const random = createRandomGenerator(seed);
  const pixels = new Uint8Array(count * side * side);
  const labels = new Int32Array(count);
  for (let image = 0; image < count; image++) {
    const label = image % classCount;
    labels[image] = label;
    const offset = image * side * side;
    for (let index = 0; index < side * side; index++) pixels[offset + index] = random.nextInt(60);
    const position = 2 + random.nextInt(side - 4);
    for (let step = 1; step < side - 1; step++) {
      const [row, column] = label === 0 ? [position, step] : label === 1 ? [step, position] : [step, step];
      pixels[offset + row * side + column] = 200 + random.nextInt(55);
    }
  }
  return createImageSet({
    pixels,
    labels,
    height: side,
    width: side,
    channels: 1,
    classNames: ['horizontal', 'vertical', 'diagonal'].slice(0, classCount),
  });
}
