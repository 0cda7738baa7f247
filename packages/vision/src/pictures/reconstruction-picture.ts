import { TesseraError } from '@tessera/core';
import type { Bitmap } from '../image/bitmap.js';
import { textWidth } from './bitmap-font.js';
import { BLACK, Canvas } from './canvas.js';
import { type ImageStack, stackImage } from './image-stack.js';

/**
 * Originals beside their reconstructions: row pairs of `columns` images, originals above, the
 * autoencoder's output below, labelled on the left.
 */
export function reconstructionPicture(
  originals: ImageStack,
  reconstructions: ImageStack,
  options: { columns?: number; scale?: number } = {},
): Bitmap {
  if (
    originals.count !== reconstructions.count ||
    originals.height !== reconstructions.height ||
    originals.width !== reconstructions.width
  ) {
    throw new TesseraError(
      'E_PICTURE_INPUT',
      `originals [${originals.count}, ${originals.height}, ${originals.width}] and reconstructions ` +
        `[${reconstructions.count}, ${reconstructions.height}, ${reconstructions.width}] must match`,
    );
  }
  const scale = options.scale ?? 2;
  const columns = Math.min(options.columns ?? 10, originals.count);
  const pairs = Math.ceil(originals.count / columns);
  const margin = 4;
  const labelWidth = textWidth('RECONSTRUCTED') + 2 * margin;
  const tile = originals.width * scale + margin;
  const tileHeight = originals.height * scale + margin;
  const canvas = new Canvas(labelWidth + columns * tile + margin, pairs * (2 * tileHeight + margin) + margin);
  for (let pair = 0; pair < pairs; pair++) {
    const top = margin + pair * (2 * tileHeight + margin);
    canvas.drawText('ORIGINAL', margin, top + tileHeight / 2 - 3, BLACK);
    canvas.drawText('RECONSTRUCTED', margin, top + tileHeight + tileHeight / 2 - 3, BLACK);
    for (let column = 0; column < columns; column++) {
      const index = pair * columns + column;
      if (index >= originals.count) break;
      const x = labelWidth + column * tile;
      canvas.drawImage(stackImage(originals, index), x, top, scale);
      canvas.drawImage(stackImage(reconstructions, index), x, top + tileHeight, scale);
    }
  }
  return canvas.toBitmap();
}
