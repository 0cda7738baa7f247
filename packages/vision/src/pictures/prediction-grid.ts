import { TesseraError } from '@tessera/core';
import type { Bitmap } from '../image/bitmap.js';
import { CHARACTER_ADVANCE, GLYPH_HEIGHT } from './bitmap-font.js';
import { Canvas, GREEN, GREY, RED } from './canvas.js';
import { type ImageStack, stackImage } from './image-stack.js';

export interface PredictionGridOptions {
  images: ImageStack;
  /** Predicted class index of each image. */
  predicted: ArrayLike<number>;
  /** True class index of each image. */
  actual: ArrayLike<number>;
  /** Names to print for class indices (default the indices). */
  classNames?: readonly string[];
  /** Images per row (default 8). */
  columns?: number;
  /** Each image pixel becomes scale×scale (default 3). */
  scale?: number;
}

/**
 * A grid of test images, each captioned with its predicted class (green when right, red when
 * wrong) and its true class: the picture to glance at after training a classifier.
 */
export function predictionGrid(options: PredictionGridOptions): Bitmap {
  const { images, predicted, actual } = options;
  if (predicted.length !== images.count || actual.length !== images.count) {
    throw new TesseraError(
      'E_PICTURE_INPUT',
      `${images.count} images need as many predictions and labels, got ${predicted.length} and ${actual.length}`,
    );
  }
  const columns = Math.min(options.columns ?? 8, images.count);
  const scale = options.scale ?? 3;
  const rows = Math.ceil(images.count / columns);
  const tileWidth = Math.max(images.width * scale, 8 * CHARACTER_ADVANCE);
  const captionHeight = 2 * (GLYPH_HEIGHT + 3);
  const margin = 6;
  const cellWidth = tileWidth + margin;
  const cellHeight = images.height * scale + captionHeight + margin;
  const canvas = new Canvas(columns * cellWidth + margin, rows * cellHeight + margin);
  const name = (label: number) => {
    const text = options.classNames?.[label] ?? String(label);
    return text.slice(0, Math.floor((tileWidth - 2 * CHARACTER_ADVANCE) / CHARACTER_ADVANCE));
  };
  for (let index = 0; index < images.count; index++) {
    const x = margin + (index % columns) * cellWidth;
    const y = margin + Math.floor(index / columns) * cellHeight;
    canvas.drawImage(stackImage(images, index), x, y, scale);
    const guess = predicted[index] as number;
    const truth = actual[index] as number;
    const captionY = y + images.height * scale + 3;
    canvas.drawText(`P:${name(guess)}`, x, captionY, guess === truth ? GREEN : RED);
    canvas.drawText(`T:${name(truth)}`, x, captionY + GLYPH_HEIGHT + 3, GREY);
  }
  return canvas.toBitmap();
}
