import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, tf } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Bitmap, convertChannels } from './bitmap.js';
import { decodeImage, detectImageFormat, encodeJpeg, encodePng, readImageFile, writeImageFile } from './image-file.js';
import { bitmapToTensor, tensorToBitmap } from './image-tensor.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** A smooth colour gradient (JPEG's easy case) with `channels` channels. */
function gradient(height: number, width: number, channels: 1 | 3 | 4): Bitmap {
  const pixels = new Uint8Array(height * width * channels);
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      for (let channel = 0; channel < channels; channel++) {
        pixels[(row * width + column) * channels + channel] =
          channel === 3 ? 128 + row : Math.round((255 * (row + column + 10 * channel)) / (height + width + 30));
      }
    }
  }
  return { pixels, height, width, channels };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('image files', () => {
  it('round-trips PNG exactly for grey, RGB and RGBA', () => {
    for (const channels of [1, 3, 4] as const) {
      const image = gradient(9, 13, channels);
      const bytes = encodePng(image);
      expect(detectImageFormat(bytes)).toBe('png');
      const decoded = decodeImage(bytes);
      expect(decoded.channels).toBe(channels);
      expect([decoded.height, decoded.width]).toEqual([9, 13]);
      expect(Array.from(decoded.pixels)).toEqual(Array.from(image.pixels));
    }
  });

  it('round-trips JPEG within a small error at quality 95', () => {
    const image = gradient(32, 40, 3);
    const bytes = encodeJpeg(image, 95);
    expect(detectImageFormat(bytes)).toBe('jpeg');
    const decoded = decodeImage(bytes);
    expect([decoded.height, decoded.width, decoded.channels]).toEqual([32, 40, 3]);
    let error = 0;
    for (let index = 0; index < image.pixels.length; index++) {
      error += Math.abs((decoded.pixels[index] as number) - (image.pixels[index] as number));
    }
    expect(error / image.pixels.length).toBeLessThan(2);
  });

  it('converts colour to grey with the BT.601 luma weights (PIL convert("L"))', () => {
    const rgb: Bitmap = {
      pixels: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]),
      height: 2,
      width: 2,
      channels: 3,
    };
    expect(Array.from(convertChannels(rgb, 1).pixels)).toEqual([76, 150, 29, 18]); // round(255·0.299), …, round(18.15)
    const grey: Bitmap = { pixels: new Uint8Array([7]), height: 1, width: 1, channels: 1 };
    expect(Array.from(convertChannels(grey, 4).pixels)).toEqual([7, 7, 7, 255]);
  });

  it('writes and reads files by extension, atomically, and rejects other formats', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tessera-image-'));
    const image = gradient(6, 5, 3);
    await writeImageFile(join(directory, 'a.png'), image);
    expect(Array.from((await readImageFile(join(directory, 'a.png'))).pixels)).toEqual(Array.from(image.pixels));
    await writeImageFile(join(directory, 'a.jpg'), image);
    expect((await readImageFile(join(directory, 'a.jpg'), { channels: 1 })).channels).toBe(1);
    await expect(writeImageFile(join(directory, 'a.gif'), image)).rejects.toThrow(/E_IMAGE_FORMAT/);
    expect(() => decodeImage(new Uint8Array([0x47, 0x49, 0x46, 0x38]))).toThrow(
      /E_IMAGE_FORMAT: .*neither PNG nor JPEG/,
    );
    const truncated = encodePng(image).subarray(0, 40);
    expect(() => decodeImage(truncated)).toThrow(/^E_IMAGE_TRUNCATED: image data is a truncated PNG/);
  });

  it('reports a missing folder as E_IMAGE_FILE naming the path, and creates nothing', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tessera-image-'));
    const path = join(directory, 'missing', 'a.png');
    await expect(writeImageFile(path, gradient(2, 2, 3))).rejects.toThrow(
      new RegExp(`^E_IMAGE_FILE: cannot write image ${escapeRegExp(path)}: E_WRITE_DIRECTORY: .*does not exist`),
    );
    expect(await readdir(directory)).toEqual([]);
    await rm(directory, { recursive: true, force: true });
  });

  it('converts to float tensors in [0, 1] and back', async () => {
    const image = gradient(4, 3, 3);
    const tensor = bitmapToTensor(image);
    expect(tensor.shape).toEqual([4, 3, 3]);
    expect((await tensor.data())[1]).toBeCloseTo((image.pixels[1] as number) / 255, 6);
    expect(Array.from((await tensorToBitmap(tensor)).pixels)).toEqual(Array.from(image.pixels));
    tf.dispose(tensor);
  });
});
