import { TesseraError } from '@tessera/core';
import { type FloatImage, pixelIndex } from './float-image.js';

/**
 * The mirror image left to right: column x becomes column width − 1 − x (exact, no resampling).
 */
export function flipHorizontal(image: FloatImage): FloatImage {
  const data = new Float32Array(image.data.length);
  const { height, width, channels } = image;
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const from = pixelIndex(image, row, width - 1 - column, 0);
      data.set(image.data.subarray(from, from + channels), pixelIndex(image, row, column, 0));
    }
  }
  return { data, height, width, channels };
}

/**
 * A [height, width] window whose top-left corner is at (top, left) in the image padded by
 * `padding` pixels of `fill` on every side — torchvision's RandomCrop(size, padding) with the
 * offsets given. With top = left = padding it is the original image; smaller offsets shift the
 * content down/right and fill the uncovered border.
 */
export function cropWithPadding(
  image: FloatImage,
  options: { top: number; left: number; padding: number; height?: number; width?: number; fill?: number },
): FloatImage {
  const { top, left, padding } = options;
  const height = options.height ?? image.height;
  const width = options.width ?? image.width;
  const fill = options.fill ?? 0;
  if (top < 0 || left < 0 || top + height > image.height + 2 * padding || left + width > image.width + 2 * padding) {
    throw new TesseraError(
      'E_AUGMENT_CROP',
      `a ${height}×${width} crop at (${top}, ${left}) does not fit in the ${image.height}×${image.width} image padded by ${padding}`,
    );
  }
  const { channels } = image;
  const data = new Float32Array(height * width * channels).fill(fill);
  for (let row = 0; row < height; row++) {
    const sourceRow = row + top - padding;
    if (sourceRow < 0 || sourceRow >= image.height) continue;
    for (let column = 0; column < width; column++) {
      const sourceColumn = column + left - padding;
      if (sourceColumn < 0 || sourceColumn >= image.width) continue;
      const from = pixelIndex(image, sourceRow, sourceColumn, 0);
      data.set(image.data.subarray(from, from + channels), (row * width + column) * channels);
    }
  }
  return { data, height, width, channels };
}

/**
 * Rotates counter-clockwise by `degrees` about the image centre (torchvision's rotate with
 * bilinear interpolation and expand=False): each output pixel samples the input at the inversely
 * rotated position; positions outside the input read `fill`. 90° equals numpy's rot90 on square
 * images.
 */
export function rotateImage(image: FloatImage, degrees: number, fill = 0): FloatImage {
  const { height, width, channels } = image;
  const radians = (degrees * Math.PI) / 180;
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  const centerRow = (height - 1) / 2;
  const centerColumn = (width - 1) / 2;
  const data = new Float32Array(image.data.length);
  const sample = (row: number, column: number, channel: number): number =>
    row < 0 || row >= height || column < 0 || column >= width
      ? fill
      : (image.data[pixelIndex(image, row, column, channel)] as number);
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const x = column - centerColumn;
      const y = row - centerRow;
      // Inverse of the on-screen counter-clockwise rotation (y points down).
      const sourceColumn = x * cos - y * sin + centerColumn;
      const sourceRow = x * sin + y * cos + centerRow;
      // Snap values within float noise of a pixel centre, so 90° turns are exact.
      const snappedRow = Math.abs(sourceRow - Math.round(sourceRow)) < 1e-6 ? Math.round(sourceRow) : sourceRow;
      const snappedColumn =
        Math.abs(sourceColumn - Math.round(sourceColumn)) < 1e-6 ? Math.round(sourceColumn) : sourceColumn;
      const row0 = Math.floor(snappedRow);
      const column0 = Math.floor(snappedColumn);
      const rowWeight = snappedRow - row0;
      const columnWeight = snappedColumn - column0;
      for (let channel = 0; channel < channels; channel++) {
        const value =
          (1 - rowWeight) *
            ((1 - columnWeight) * sample(row0, column0, channel) + columnWeight * sample(row0, column0 + 1, channel)) +
          rowWeight *
            ((1 - columnWeight) * sample(row0 + 1, column0, channel) +
              columnWeight * sample(row0 + 1, column0 + 1, channel));
        data[pixelIndex(image, row, column, channel)] = value;
      }
    }
  }
  return { data, height, width, channels };
}

/** (x − mean[c]) / std[c] per channel (torchvision's Normalize). */
export function normalizeImage(image: FloatImage, mean: readonly number[], std: readonly number[]): FloatImage {
  if (mean.length !== image.channels || std.length !== image.channels || std.some((value) => !(value > 0))) {
    throw new TesseraError(
      'E_IMAGE_NORMALIZE',
      `normalisation needs ${image.channels} means and ${image.channels} positive stds, got [${mean}] and [${std}]`,
    );
  }
  const data = new Float32Array(image.data.length);
  for (let index = 0; index < data.length; index++) {
    const channel = index % image.channels;
    data[index] = ((image.data[index] as number) - (mean[channel] as number)) / (std[channel] as number);
  }
  return { ...image, data };
}
