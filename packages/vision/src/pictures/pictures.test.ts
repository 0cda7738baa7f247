import { describe, expect, it } from 'vitest';
import { decodeImage, encodePng } from '../image/image-file.js';
import { GLYPH_HEIGHT, glyph, textWidth } from './bitmap-font.js';
import { BLACK, Canvas, GREEN, RED } from './canvas.js';
import { blueScale, confusionMatrixImage } from './confusion-matrix-image.js';
import { predictionGrid } from './prediction-grid.js';
import { reconstructionPicture } from './reconstruction-picture.js';

const pixel = (bitmap: { pixels: Uint8Array; width: number }, x: number, y: number) =>
  Array.from(bitmap.pixels.subarray((y * bitmap.width + x) * 3, (y * bitmap.width + x) * 3 + 3));

describe('pictures', () => {
  it('draws 5×7 glyphs: the digit 1 has its stem in the middle column', () => {
    const canvas = new Canvas(5, 7);
    canvas.drawText('1', 0, 0, BLACK);
    const bitmap = canvas.toBitmap();
    for (let row = 0; row < 7; row++) expect(pixel(bitmap, 2, row)).toEqual([0, 0, 0]);
    expect(pixel(bitmap, 0, 0)).toEqual([255, 255, 255]);
    expect(glyph('a')).toEqual(glyph('A'));
    expect(glyph('€')).toEqual(glyph('?'));
    expect(textWidth('12', 2)).toBe(22);
  });

  it('captions a prediction grid in green when right and red when wrong', () => {
    const images = { pixels: new Uint8Array(2 * 4 * 4).fill(255), count: 2, height: 4, width: 4, channels: 1 };
    const bitmap = predictionGrid({ images, predicted: [1, 2], actual: [1, 3], columns: 2, scale: 2 });
    const colours = new Set<string>();
    for (let index = 0; index < bitmap.pixels.length; index += 3)
      colours.add(Array.from(bitmap.pixels.subarray(index, index + 3)).join(','));
    expect(colours.has(GREEN.join(','))).toBe(true);
    expect(colours.has(RED.join(','))).toBe(true);
    // Round-trips through PNG as an RGB picture.
    const decoded = decodeImage(encodePng(bitmap));
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([bitmap.width, bitmap.height, 3]);
    expect(() => predictionGrid({ images, predicted: [1], actual: [1, 3] })).toThrow(/E_PICTURE_INPUT/);
  });

  it('colours confusion-matrix cells by their share of the row', () => {
    const bitmap = confusionMatrixImage(
      {
        labels: [0, 1],
        matrix: [
          [9, 1],
          [0, 10],
        ],
      },
      { cellSize: 30 },
    );
    // Find the cells by their colours: 90% and 100% diagonal cells are dark, the 10% cell light.
    const colours = new Set<string>();
    for (let index = 0; index < bitmap.pixels.length; index += 3)
      colours.add(Array.from(bitmap.pixels.subarray(index, index + 3)).join(','));
    expect(colours.has(blueScale(1).join(','))).toBe(true);
    expect(colours.has(blueScale(0.9).join(','))).toBe(true);
    expect(colours.has(blueScale(0.1).join(','))).toBe(true);
    expect(blueScale(0)).toEqual([255, 255, 255]);
    expect(() => confusionMatrixImage({ labels: [0, 1], matrix: [[1, 2]] })).toThrow(/E_PICTURE_INPUT/);
  });

  it('puts reconstructions under their originals', () => {
    const originals = { pixels: new Uint8Array(3 * 2 * 2).fill(255), count: 3, height: 2, width: 2, channels: 1 };
    const reconstructions = { ...originals, pixels: new Uint8Array(3 * 2 * 2).fill(100) };
    const bitmap = reconstructionPicture(originals, reconstructions, { scale: 1, columns: 3 });
    expect(bitmap.height).toBe(4 + 2 * (2 + 4) + 4);
    expect(bitmap.height).toBeGreaterThan(GLYPH_HEIGHT);
    expect(() => reconstructionPicture(originals, { ...reconstructions, count: 2 })).toThrow(/E_PICTURE_INPUT/);
  });
});
