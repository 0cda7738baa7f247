import type { Bitmap } from '../image/bitmap.js';
import { CHARACTER_ADVANCE, glyph } from './bitmap-font.js';

export type Color = readonly [number, number, number];

export const WHITE: Color = [255, 255, 255];
export const BLACK: Color = [0, 0, 0];
export const GREEN: Color = [0, 140, 0];
export const RED: Color = [200, 0, 0];
export const GREY: Color = [90, 90, 90];

/** An RGB drawing surface for the pictures: rectangles, scaled images and 5×7 text. */
export class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Color = WHITE,
  ) {
    this.pixels = new Uint8Array(width * height * 3);
    this.fillRectangle(0, 0, width, height, background);
  }

  setPixel(x: number, y: number, color: Color): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.pixels.set(color, (y * this.width + x) * 3);
  }

  fillRectangle(x: number, y: number, width: number, height: number, color: Color): void {
    for (let row = Math.max(0, y); row < Math.min(this.height, y + height); row++) {
      for (let column = Math.max(0, x); column < Math.min(this.width, x + width); column++) {
        this.pixels.set(color, (row * this.width + column) * 3);
      }
    }
  }

  /** Draws 8-bit pixels [height, width, 1|3|4] with its top-left at (x, y), each pixel a scale×scale block. */
  drawImage(
    image: { pixels: Uint8Array; height: number; width: number; channels: number },
    x: number,
    y: number,
    scale = 1,
  ): void {
    const { pixels, height, width, channels } = image;
    for (let row = 0; row < height; row++) {
      for (let column = 0; column < width; column++) {
        const offset = (row * width + column) * channels;
        const red = pixels[offset] as number;
        const color: Color =
          channels >= 3 ? [red, pixels[offset + 1] as number, pixels[offset + 2] as number] : [red, red, red];
        this.fillRectangle(x + column * scale, y + row * scale, scale, scale, color);
      }
    }
  }

  /** Draws `text` in the 5×7 font with its top-left at (x, y). */
  drawText(text: string, x: number, y: number, color: Color = BLACK, scale = 1): void {
    Array.from(text).forEach((character, index) => {
      glyph(character).forEach((row, rowIndex) => {
        row.forEach((ink, columnIndex) => {
          if (ink) {
            this.fillRectangle(
              x + (index * CHARACTER_ADVANCE + columnIndex) * scale,
              y + rowIndex * scale,
              scale,
              scale,
              color,
            );
          }
        });
      });
    });
  }

  toBitmap(): Bitmap {
    return { pixels: this.pixels, height: this.height, width: this.width, channels: 3 };
  }
}
