import type { ConfusionMatrix } from '@tessera/core';
import { TesseraError } from '@tessera/core';
import type { Bitmap } from '../image/bitmap.js';
import { CHARACTER_ADVANCE, GLYPH_HEIGHT, textWidth } from './bitmap-font.js';
import { BLACK, Canvas, type Color, WHITE } from './canvas.js';

/** White → dark blue as `fraction` goes 0 → 1. */
export function blueScale(fraction: number): Color {
  const t = Math.min(1, Math.max(0, fraction));
  return [Math.round(255 - 247 * t), Math.round(255 - 207 * t), Math.round(255 - 148 * t)];
}

/**
 * A confusion matrix as a picture: rows are true classes, columns predicted ones; each cell shows
 * its count, coloured by its share of the row (so a perfect classifier is a dark diagonal
 * whatever the class sizes).
 */
export function confusionMatrixImage(
  confusion: ConfusionMatrix,
  options: { classNames?: readonly string[]; cellSize?: number } = {},
): Bitmap {
  const { labels, matrix } = confusion;
  if (matrix.length !== labels.length || matrix.some((row) => row.length !== labels.length)) {
    throw new TesseraError('E_PICTURE_INPUT', 'the confusion matrix must be square, one row and column per label');
  }
  const counts = matrix.flat();
  const widestCount = Math.max(...counts.map((count) => textWidth(String(Math.round(count * 1000) / 1000))));
  const cell = options.cellSize ?? Math.max(30, widestCount + 8);
  const names = labels.map((label) => (options.classNames?.[label] ?? String(label)).slice(0, 10));
  const nameWidth = Math.max(...names.map((name) => textWidth(name)));
  const margin = 8;
  const left = margin + GLYPH_HEIGHT + margin + nameWidth + margin; // "TRUE" written vertically, then names
  const top = margin + GLYPH_HEIGHT + margin + GLYPH_HEIGHT + margin; // "PREDICTED", then the column names
  const canvas = new Canvas(left + labels.length * cell + margin, top + labels.length * cell + margin);
  canvas.drawText('PREDICTED', left + (labels.length * cell - textWidth('PREDICTED')) / 2, margin);
  Array.from('TRUE').forEach((character, index) => {
    canvas.drawText(character, margin, top + (labels.length * cell) / 2 - 20 + index * (GLYPH_HEIGHT + 3));
  });
  names.forEach((name, index) => {
    const shown = name.slice(0, Math.max(1, Math.floor(cell / CHARACTER_ADVANCE)));
    canvas.drawText(shown, left + index * cell + (cell - textWidth(shown)) / 2, margin + GLYPH_HEIGHT + margin);
    canvas.drawText(name, left - margin - textWidth(name), top + index * cell + (cell - GLYPH_HEIGHT) / 2);
  });
  matrix.forEach((row, rowIndex) => {
    const rowTotal = row.reduce((sum, value) => sum + value, 0);
    row.forEach((count, columnIndex) => {
      const fraction = rowTotal > 0 ? count / rowTotal : 0;
      const x = left + columnIndex * cell;
      const y = top + rowIndex * cell;
      canvas.fillRectangle(x, y, cell, cell, blueScale(fraction));
      canvas.fillRectangle(x, y, cell, 1, [200, 200, 200]);
      canvas.fillRectangle(x, y, 1, cell, [200, 200, 200]);
      const text = String(Math.round(count * 1000) / 1000);
      canvas.drawText(
        text,
        x + (cell - textWidth(text)) / 2,
        y + (cell - GLYPH_HEIGHT) / 2,
        fraction > 0.5 ? WHITE : BLACK,
      );
    });
  });
  return canvas.toBitmap();
}
