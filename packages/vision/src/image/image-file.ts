import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { isTesseraError, TesseraError, writeFileAtomically } from '@tessera/core';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { type Bitmap, type ChannelCount, checkBitmap, convertChannels } from './bitmap.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from './image-limits.js';
import { inspectJpeg } from './jpeg-structure.js';
import { inspectPng } from './png-structure.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type ImageFormat = 'png' | 'jpeg';

/** 'png' or 'jpeg' from the file's first bytes, or undefined. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (PNG_SIGNATURE.every((byte, index) => bytes[index] === byte)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

export interface DecodeOptions {
  /** Convert to this many channels (default: the file's own: 1 grey, 3 RGB, 4 with alpha). */
  channels?: ChannelCount;
  /**
   * Refuse images of more pixels than this (width × height, read from the header before anything
   * is decoded), PNG and JPEG alike: `E_IMAGE_TOO_LARGE`. Default {@link DEFAULT_MAX_IMAGE_PIXELS},
   * 64 megapixels; `Infinity` lifts the limit.
   */
  maxPixels?: number;
}

/**
 * Decodes PNG (pngjs) or JPEG (jpeg-js) bytes, recognised by their signature, to 8-bit pixels.
 * The file's structure is checked first (see `png-structure.ts`, `jpeg-structure.ts`): more pixels than `maxPixels`
 * (`E_IMAGE_TOO_LARGE`), a truncated file or fewer rows than the header (`E_IMAGE_TRUNCATED`), a
 * 12-bit, lossless or arithmetic-coded JPEG (`E_IMAGE_UNSUPPORTED`) and other damage
 * (`E_IMAGE_DECODE`) are refused, never decoded into a made-up bitmap. Bytes after a PNG's IEND
 * are ignored.
 */
export function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}, source = 'image data'): Bitmap {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  if (!(maxPixels >= 1)) {
    throw new TesseraError('E_IMAGE_OPTIONS', `maxPixels must be a positive number of pixels, got ${maxPixels}`);
  }
  const format = detectImageFormat(bytes);
  let bitmap: Bitmap;
  try {
    if (format === 'png') {
      const { width, height, end } = inspectPng(bytes, source, maxPixels);
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, end));
      if (png.width !== width || png.height !== height || png.data.length !== width * height * 4) {
        throw new Error(`pngjs returned ${png.width}×${png.height} for a ${width}×${height} header`);
      }
      const rgba: Bitmap = { pixels: new Uint8Array(png.data), height: png.height, width: png.width, channels: 4 };
      // pngjs expands every colour type to RGBA; keep what the file held (bit 1: colour, bit 2: alpha).
      const own: ChannelCount = png.colorType === 0 ? 1 : png.colorType & 4 || png.alpha ? 4 : 3;
      bitmap = convertChannels(rgba, own);
    } else if (format === 'jpeg') {
      const { width, height } = inspectJpeg(bytes, source, maxPixels);
      const decoded = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: false,
        tolerantDecoding: false,
        maxResolutionInMP: maxPixels / 1e6,
        // jpeg-js keeps 4 bytes per sample of each component plus its output: ~20 bytes a pixel.
        maxMemoryUsageInMB: Math.max(512, Math.ceil((width * height * 20) / 2 ** 20)),
      });
      if (decoded.width !== width || decoded.height !== height) {
        throw new Error(`jpeg-js returned ${decoded.width}×${decoded.height} for a ${width}×${height} frame`);
      }
      const channels = decoded.data.length / (decoded.width * decoded.height);
      if (channels !== 1 && channels !== 3) {
        throw new Error(`${channels} components per pixel (CMYK JPEGs are not supported)`);
      }
      bitmap = { pixels: decoded.data, height: decoded.height, width: decoded.width, channels };
    } else {
      const head = Array.from(bytes.subarray(0, 8), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
      throw new TesseraError('E_IMAGE_FORMAT', `${source} is neither PNG nor JPEG (first bytes: ${head || 'none'})`);
    }
  } catch (error) {
    if (error instanceof TesseraError) throw error;
    throw new TesseraError('E_IMAGE_DECODE', `cannot decode ${source} as ${format}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return options.channels === undefined ? bitmap : convertChannels(bitmap, options.channels);
}

/** Lossless PNG bytes; grey stays one channel, RGB three, RGBA four. */
export function encodePng(bitmap: Bitmap): Uint8Array {
  checkBitmap(bitmap);
  const png = new PNG({ width: bitmap.width, height: bitmap.height });
  png.data = Buffer.from(convertChannels(bitmap, 4).pixels);
  const colorType = bitmap.channels === 1 ? 0 : bitmap.channels === 3 ? 2 : 6;
  return new Uint8Array(PNG.sync.write(png, { colorType }));
}

/** Baseline JPEG bytes at `quality` 1–100 (default 90). Alpha is dropped; grey is stored as RGB. */
export function encodeJpeg(bitmap: Bitmap, quality = 90): Uint8Array {
  checkBitmap(bitmap);
  if (!(quality >= 1 && quality <= 100)) {
    throw new TesseraError('E_IMAGE_ENCODE', `JPEG quality must be in [1, 100], got ${quality}`);
  }
  const rgba = convertChannels(bitmap, 4);
  const encoded = jpeg.encode({ data: rgba.pixels, width: bitmap.width, height: bitmap.height }, quality);
  return new Uint8Array(encoded.data);
}

/** Reads a PNG or JPEG file. */
export async function readImageFile(path: string, options: DecodeOptions = {}): Promise<Bitmap> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new TesseraError('E_IMAGE_FILE', `cannot read image ${path}: ${(error as Error).message}`, { cause: error });
  }
  return decodeImage(bytes, options, path);
}

/**
 * Writes a `.png`, `.jpg` or `.jpeg` file (by extension), atomically: never a half-written file.
 * The folder must exist (as with PIL's `Image.save`); a missing folder or any other write failure
 * throws `E_IMAGE_FILE` naming the path, with the system error as `cause`.
 */
export async function writeImageFile(path: string, bitmap: Bitmap, options: { quality?: number } = {}): Promise<void> {
  const extension = extname(path).toLowerCase();
  let bytes: Uint8Array;
  if (extension === '.png') bytes = encodePng(bitmap);
  else if (extension === '.jpg' || extension === '.jpeg') bytes = encodeJpeg(bitmap, options.quality);
  else {
    throw new TesseraError('E_IMAGE_FORMAT', `cannot tell the format of ${path}: use a .png, .jpg or .jpeg name`);
  }
  try {
    await writeFileAtomically(path, async (handle) => {
      await handle.writeFile(bytes);
    });
  } catch (error) {
    const reason = isTesseraError(error) ? error.message : (error as Error).message;
    throw new TesseraError('E_IMAGE_FILE', `cannot write image ${path}: ${reason}`, { cause: error });
  }
}
