import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TesseraError } from '@tessera/core';
import { createImageSet, type ImageSet } from './image-set.js';
import type { ImageSplit } from './mnist.js';

/** CIFAR-10's classes in label order (batches.meta.txt). */
export const CIFAR10_CLASS_NAMES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE; // label byte, then the red, green and blue planes

/**
 * Parses one file of CIFAR-10's binary version (`data_batch_N.bin`, `test_batch.bin`): records of
 * 3,073 bytes, a label byte then 1,024 red, 1,024 green and 1,024 blue values, each plane 32×32
 * row-major. Pixels come back interleaved [count, 32, 32, 3] (NHWC).
 */
export function parseCifar10Batch(bytes: Uint8Array, source = 'CIFAR-10 data'): ImageSet {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new TesseraError(
      'E_CIFAR_SIZE',
      `${source} has ${bytes.length} bytes, not a whole number of ${RECORD}-byte CIFAR-10 records ` +
        '(label byte + 3×32×32 pixels); is it the binary version (cifar-10-binary.tar.gz), unpacked?',
    );
  }
  const count = bytes.length / RECORD;
  const pixels = new Uint8Array(count * 3 * PLANE);
  const labels = new Int32Array(count);
  for (let image = 0; image < count; image++) {
    const record = image * RECORD;
    const label = bytes[record] as number;
    if (label > 9) {
      throw new TesseraError('E_CIFAR_LABEL', `${source}: record ${image} has label ${label}; CIFAR-10 labels are 0–9`);
    }
    labels[image] = label;
    const output = image * 3 * PLANE;
    for (let position = 0; position < PLANE; position++) {
      for (let channel = 0; channel < 3; channel++) {
        pixels[output + 3 * position + channel] = bytes[record + 1 + channel * PLANE + position] as number;
      }
    }
  }
  return createImageSet({ pixels, labels, height: SIDE, width: SIDE, channels: 3, classNames: CIFAR10_CLASS_NAMES });
}

/**
 * CIFAR-10 from the directory of its binary version (`cifar-10-batches-bin`): the train split
 * concatenates `data_batch_1.bin` … `data_batch_5.bin` (50,000 images), test is `test_batch.bin`.
 */
export async function loadCifar10(options: { directory: string; split?: ImageSplit }): Promise<ImageSet> {
  const names =
    (options.split ?? 'train') === 'train'
      ? [1, 2, 3, 4, 5].map((batch) => `data_batch_${batch}.bin`)
      : ['test_batch.bin'];
  const parts: ImageSet[] = [];
  for (const name of names) {
    const path = join(options.directory, name);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new TesseraError('E_CIFAR_FILE', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
    }
    parts.push(parseCifar10Batch(bytes, path));
  }
  const pixels = new Uint8Array(parts.reduce((total, part) => total + part.pixels.length, 0));
  const labels = new Int32Array(parts.reduce((total, part) => total + part.count, 0));
  let offset = 0;
  let labelOffset = 0;
  for (const part of parts) {
    pixels.set(part.pixels, offset);
    labels.set(part.labels, labelOffset);
    offset += part.pixels.length;
    labelOffset += part.count;
  }
  return createImageSet({ pixels, labels, height: SIDE, width: SIDE, channels: 3, classNames: CIFAR10_CLASS_NAMES });
}
