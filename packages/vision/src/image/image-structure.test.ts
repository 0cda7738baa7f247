import { createRandomGenerator } from '@tessera/core';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildPng, encodeGreyPng, headerChunk, type PngHeader, replaceChunk } from '../testing/png-files.js';
import { type Bitmap, convertChannels } from './bitmap.js';
import { decodeImage, encodeJpeg, encodePng } from './image-file.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from './image-limits.js';

const random = createRandomGenerator(5);
const uniform = () => random.nextFloat();
const rgb: PngHeader = { width: 10, height: 8, bitDepth: 8, colorType: 2, interlace: 0 };

function picture(height: number, width: number): Bitmap {
  const pixels = Uint8Array.from({ length: height * width * 3 }, (_, index) => (index * 29) % 256);
  return { pixels, height, width, channels: 3 };
}

/** The byte offset of a JPEG's frame-header precision (SOF0 or SOF2, after its length). */
function precisionOffset(bytes: Uint8Array): number {
  let offset = 2;
  while (bytes[offset + 1] !== 0xc0 && bytes[offset + 1] !== 0xc2) {
    offset += 2 + (((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number));
  }
  return offset + 4;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('image limits and structure, checked before decoding', () => {
  it('refuses a PNG whose IHDR claims 30000×30000 (CRC fixed) from the header, without decoding it', () => {
    const huge = replaceChunk(buildPng(rgb, uniform), 0, () => headerChunk({ ...rgb, width: 30000, height: 30000 }));
    const read = vi.spyOn(PNG.sync, 'read');
    expect(() => decodeImage(huge, {}, 'huge.png')).toThrow(
      /^E_IMAGE_TOO_LARGE: huge\.png is a 30000×30000 PNG \(900000000 pixels\), over the limit of 67108864 pixels/,
    );
    expect(read).not.toHaveBeenCalled();
    expect(DEFAULT_MAX_IMAGE_PIXELS).toBe(64 * 2 ** 20);
  });

  it('holds PNG and JPEG to the same configurable limit: width × height ≤ maxPixels', () => {
    const png = encodePng(picture(20, 30));
    const jpeg = encodeJpeg(picture(20, 30));
    for (const bytes of [png, jpeg]) {
      expect(decodeImage(bytes, { maxPixels: 600 }).width).toBe(30);
      expect(() => decodeImage(bytes, { maxPixels: 599 })).toThrow(
        /^E_IMAGE_TOO_LARGE: .*30×20 .* \(600 pixels\), over the limit of 599/,
      );
      expect(decodeImage(bytes, { maxPixels: Number.POSITIVE_INFINITY }).height).toBe(20);
    }
    // A JPEG frame header claiming 30000×30000 is refused like the PNG's.
    const hugeJpeg = jpeg.slice();
    new DataView(hugeJpeg.buffer).setUint16(precisionOffset(hugeJpeg) + 1, 30000);
    new DataView(hugeJpeg.buffer).setUint16(precisionOffset(hugeJpeg) + 3, 30000);
    expect(() => decodeImage(hugeJpeg)).toThrow(/^E_IMAGE_TOO_LARGE: .*30000×30000 JPEG/);
    expect(() => decodeImage(png, { maxPixels: 0 })).toThrow(/^E_IMAGE_OPTIONS/);
    expect(() => decodeImage(png, { maxPixels: Number.NaN })).toThrow(/^E_IMAGE_OPTIONS/);
  });

  it('refuses a PNG with fewer rows of data than its header, and one with more', () => {
    const short = buildPng(rgb, uniform, -3);
    expect(() => decodeImage(short, {}, 'short.png')).toThrow(
      /^E_IMAGE_TRUNCATED: short\.png: the PNG's image data has 155 bytes \(5 rows\), its 10×8 header needs 248 \(8 rows\)/,
    );
    expect(() => decodeImage(buildPng(rgb, uniform, 2))).toThrow(/^E_IMAGE_DECODE: .*more image data than its 10×8/);
    expect(decodeImage(buildPng(rgb, uniform)).height).toBe(8);
  });

  it('gives a truncated PNG a Tessera message at every cut, never pngjs internals', () => {
    const bytes = encodePng(picture(6, 7));
    for (let cut = 1; cut < bytes.length; cut++) {
      let message = 'decoded';
      try {
        decodeImage(bytes.subarray(0, cut));
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, `cut at ${cut}`).toMatch(/^E_IMAGE_(TRUNCATED|FORMAT): /);
      expect(message).not.toMatch(/waitng|read requests/);
    }
  });

  it('ignores bytes after IEND (as libpng does), decoding the same pixels', () => {
    const image = picture(5, 4);
    const padded = Uint8Array.from([...encodePng(image), 1, 2, 3, 4]);
    expect(Array.from(decodeImage(padded).pixels)).toEqual(Array.from(image.pixels));
  });

  it('decodes grey, palette, 16-bit and Adam7-interlaced PNGs to their header size', () => {
    const headers: PngHeader[] = [
      { width: 9, height: 4, bitDepth: 4, colorType: 3, interlace: 0 },
      { width: 11, height: 3, bitDepth: 1, colorType: 0, interlace: 0 },
      { width: 4, height: 5, bitDepth: 16, colorType: 2, interlace: 0 },
      { width: 10, height: 11, bitDepth: 8, colorType: 6, interlace: 1 },
    ];
    for (const header of headers) {
      const bitmap = decodeImage(buildPng(header, uniform));
      expect([bitmap.width, bitmap.height]).toEqual([header.width, header.height]);
    }
    // Interlaced or not, a grey image decodes to its own pixels (the passes built here from the spec).
    const grey = convertChannels(picture(9, 13), 1);
    for (const interlace of [0, 1] as const) {
      expect(Array.from(decodeImage(encodeGreyPng(grey.pixels, 13, 9, interlace)).pixels)).toEqual(
        Array.from(grey.pixels),
      );
    }
  });

  it('refuses 12-bit JPEG (jpeg-js would read its samples as 8-bit) and lossless JPEG', () => {
    const jpeg = encodeJpeg(picture(16, 16));
    const twelveBit = jpeg.slice();
    twelveBit[precisionOffset(twelveBit)] = 12;
    expect(() => decodeImage(twelveBit, {}, 'scan.jpg')).toThrow(
      /^E_IMAGE_UNSUPPORTED: scan\.jpg is a 12-bit JPEG; only 8-bit samples are decoded/,
    );
    const lossless = jpeg.slice();
    lossless[precisionOffset(lossless) - 3] = 0xc3;
    expect(() => decodeImage(lossless)).toThrow(/^E_IMAGE_UNSUPPORTED: .*lossless, hierarchical or arithmetic-coded/);
  });

  it('refuses a truncated JPEG instead of decoding past its end', () => {
    const jpeg = encodeJpeg(picture(32, 32));
    expect(() => decodeImage(jpeg.subarray(0, jpeg.length - 40), {}, 'cut.jpg')).toThrow(
      /^E_IMAGE_TRUNCATED: cut\.jpg is a truncated JPEG: it has no end-of-image marker/,
    );
    expect(() => decodeImage(jpeg.subarray(0, 30))).toThrow(/^E_IMAGE_TRUNCATED: /);
  });

  it('refuses a JPEG whose scan or frame points at components or tables it never defines', () => {
    const jpeg = encodeJpeg(picture(16, 16));
    /** The offset of the first segment with `marker`, at its FF byte. */
    const segment = (marker: number) => {
      let offset = 2;
      while (jpeg[offset + 1] !== marker)
        offset += 2 + (((jpeg[offset + 2] as number) << 8) | (jpeg[offset + 3] as number));
      return offset;
    };
    const edit = (offset: number, value: number) => {
      const copy = jpeg.slice();
      copy[offset] = value;
      return copy;
    };
    const scan = segment(0xda);
    const frame = segment(0xc0);
    for (const [bytes, message] of [
      [edit(scan + 5, 9), /a JPEG scan names component 9, not in the frame/],
      [edit(scan + 6, 0x33), /a JPEG scan uses a Huffman table never defined/],
      [edit(frame + 12, 3), /JPEG component 1 uses quantization table 3, never defined/],
    ] as const) {
      expect(() => decodeImage(bytes, {}, 'bad.jpg')).toThrow(
        new RegExp(`^E_IMAGE_DECODE: bad\\.jpg: ${message.source}`),
      );
    }
  });
});
