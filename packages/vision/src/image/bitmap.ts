import { TesseraError } from '@tessera/core';

/**
 * An 8-bit image as decoded from or encoded to a file: pixels [height, width, channels]
 * row-major, channels 1 (grey), 3 (RGB) or 4 (RGBA).
 */
export interface Bitmap {
  readonly pixels: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3 | 4;
}

export type ChannelCount = Bitmap['channels'];

export function checkBitmap(bitmap: Bitmap): void {
  const { pixels, height, width, channels } = bitmap;
  if (
    ![1, 3, 4].includes(channels) ||
    !Number.isInteger(height) ||
    !Number.isInteger(width) ||
    height < 1 ||
    width < 1
  ) {
    throw new TesseraError(
      'E_IMAGE_SHAPE',
      `an image needs positive integer sizes and 1, 3 or 4 channels, got ${height}×${width}×${channels}`,
    );
  }
  if (pixels.length !== height * width * channels) {
    throw new TesseraError(
      'E_IMAGE_SHAPE',
      `${pixels.length} pixel values do not fill a ${height}×${width}×${channels} image (${height * width * channels})`,
    );
  }
}

/**
 * The same picture with `channels` channels: grey is repeated into RGB, RGB gets an opaque alpha,
 * colour becomes grey by ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B, as PIL's convert('L')),
 * and alpha is dropped (not composited).
 */
export function convertChannels(bitmap: Bitmap, channels: ChannelCount): Bitmap {
  checkBitmap(bitmap);
  if (bitmap.channels === channels) return bitmap;
  const pixelCount = bitmap.height * bitmap.width;
  const source = bitmap.pixels;
  const from = bitmap.channels;
  const pixels = new Uint8Array(pixelCount * channels);
  for (let pixel = 0; pixel < pixelCount; pixel++) {
    const red = source[pixel * from] as number;
    const green = from === 1 ? red : (source[pixel * from + 1] as number);
    const blue = from === 1 ? red : (source[pixel * from + 2] as number);
    if (channels === 1) {
      pixels[pixel] = Math.round(0.299 * red + 0.587 * green + 0.114 * blue);
      continue;
    }
    pixels[pixel * channels] = red;
    pixels[pixel * channels + 1] = green;
    pixels[pixel * channels + 2] = blue;
    if (channels === 4) pixels[pixel * 4 + 3] = from === 4 ? (source[pixel * 4 + 3] as number) : 255;
  }
  return { pixels, height: bitmap.height, width: bitmap.width, channels };
}
