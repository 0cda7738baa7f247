import { crc32, inflateSync } from 'node:zlib';
import { TesseraError } from '@tessera/core';
import { checkPixelCount, type ImageSize } from './image-limits.js';

/** The allowed bit depths of each PNG colour type (PNG spec, table 11.1), and its samples per pixel. */
const PNG_COLOUR_TYPES: Record<number, { bitDepths: readonly number[]; samples: number }> = {
  0: { bitDepths: [1, 2, 4, 8, 16], samples: 1 },
  2: { bitDepths: [8, 16], samples: 3 },
  3: { bitDepths: [1, 2, 4, 8], samples: 1 },
  4: { bitDepths: [8, 16], samples: 2 },
  6: { bitDepths: [8, 16], samples: 4 },
};

/** Adam7's passes: [first row, first column, row step, column step]. */
const ADAM7 = [
  [0, 0, 8, 8],
  [0, 4, 8, 8],
  [4, 0, 8, 4],
  [0, 2, 4, 4],
  [2, 0, 4, 2],
  [0, 1, 2, 2],
  [1, 0, 2, 1],
] as const;

/**
 * Walks a PNG's chunks (lengths, CRCs, IHDR first, IEND last) and inflates its image data to check
 * it holds exactly the rows its header declares. Returns the header's size and the bytes up to the
 * end of IEND (what follows IEND is ignored, as libpng does). The data is inflated here and again
 * by pngjs, which pads a short stream with zeros: twice the inflate time, bounded by the limit.
 */
export function inspectPng(bytes: Uint8Array, source: string, maxPixels: number): ImageSize & { end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const imageData: Uint8Array[] = [];
  let header: (ImageSize & { bitDepth: number; colourType: number; interlaced: boolean }) | undefined;
  let hasPalette = false;
  let offset = 8;
  for (;;) {
    if (offset + 8 > bytes.length) {
      throw new TesseraError('E_IMAGE_TRUNCATED', `${source} is a truncated PNG: it ends before its IEND chunk`);
    }
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (!/^[A-Za-z]{4}$/.test(type) || length > 2 ** 31 - 1) {
      throw new TesseraError('E_IMAGE_DECODE', `${source}: the PNG chunk at byte ${offset} is malformed`);
    }
    const end = offset + 12 + length;
    if (end > bytes.length) {
      throw new TesseraError(
        'E_IMAGE_TRUNCATED',
        `${source} is a truncated PNG: its ${type} chunk needs ${length} bytes, the file ends before`,
      );
    }
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== view.getUint32(offset + 8 + length)) {
      throw new TesseraError('E_IMAGE_DECODE', `${source}: the PNG's ${type} chunk fails its CRC check (corrupt file)`);
    }
    if (header === undefined) {
      if (type !== 'IHDR' || length !== 13) {
        throw new TesseraError('E_IMAGE_DECODE', `${source}: a PNG starts with a 13-byte IHDR chunk, found ${type}`);
      }
      header = readPngHeader(data, source);
      checkPixelCount(header, maxPixels, source, 'PNG');
    } else if (type === 'IHDR') {
      throw new TesseraError('E_IMAGE_DECODE', `${source}: the PNG has a second IHDR chunk`);
    } else if (type === 'PLTE') {
      hasPalette = true;
    } else if (type === 'IDAT') {
      imageData.push(data);
    } else if (type === 'IEND') {
      if (imageData.length === 0) throw new TesseraError('E_IMAGE_DECODE', `${source}: the PNG has no IDAT chunk`);
      if (header.colourType === 3 && !hasPalette) {
        throw new TesseraError('E_IMAGE_DECODE', `${source}: the PNG is a palette image without a PLTE chunk`);
      }
      checkImageData(imageData, header, source);
      return { width: header.width, height: header.height, end };
    }
    offset = end;
  }
}

function readPngHeader(data: Uint8Array, source: string) {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const [width, height] = [view.getUint32(0), view.getUint32(4)];
  const [bitDepth, colourType, compression, filter, interlace] = data.subarray(8, 13) as unknown as number[];
  const colour = PNG_COLOUR_TYPES[colourType as number];
  const problem =
    width === 0 || height === 0 || width > 2 ** 31 - 1 || height > 2 ** 31 - 1
      ? `size ${width}×${height}`
      : colour === undefined
        ? `colour type ${colourType}`
        : !colour.bitDepths.includes(bitDepth as number)
          ? `bit depth ${bitDepth} for colour type ${colourType}`
          : compression !== 0 || filter !== 0 || (interlace !== 0 && interlace !== 1)
            ? `compression ${compression}, filter ${filter}, interlace ${interlace} (expected 0, 0, 0 or 1)`
            : undefined;
  if (problem !== undefined)
    throw new TesseraError('E_IMAGE_DECODE', `${source}: the PNG header has an invalid ${problem}`);
  return { width, height, bitDepth: bitDepth as number, colourType: colourType as number, interlaced: interlace === 1 };
}

/** Inflates the image data (bounded by what the header declares) and checks its length. */
function checkImageData(
  chunks: Uint8Array[],
  header: ImageSize & { bitDepth: number; colourType: number; interlaced: boolean },
  source: string,
): void {
  const samples = (PNG_COLOUR_TYPES[header.colourType] as { samples: number }).samples;
  const rowBytes = (width: number) => 1 + Math.ceil((width * samples * header.bitDepth) / 8);
  const passes = header.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  let expected = 0;
  for (const [firstRow, firstColumn, rowStep, columnStep] of passes) {
    const width = Math.ceil((header.width - firstColumn) / columnStep);
    const height = Math.ceil((header.height - firstRow) / rowStep);
    if (width > 0 && height > 0) expected += height * rowBytes(width);
  }
  let inflated: Uint8Array;
  try {
    inflated = inflateSync(Buffer.concat(chunks), { maxOutputLength: expected + 1 });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TesseraError(
        'E_IMAGE_DECODE',
        `${source}: the PNG holds more image data than its ${header.width}×${header.height} header declares (${expected} bytes)`,
      );
    }
    if (code === 'Z_BUF_ERROR') {
      throw new TesseraError('E_IMAGE_TRUNCATED', `${source}: the PNG's compressed image data ends early (truncated)`);
    }
    throw new TesseraError('E_IMAGE_DECODE', `${source}: the PNG's compressed image data is corrupt (${message})`);
  }
  if (inflated.length < expected) {
    const rows = header.interlaced ? '' : ` (${Math.floor(inflated.length / rowBytes(header.width))} rows)`;
    throw new TesseraError(
      'E_IMAGE_TRUNCATED',
      `${source}: the PNG's image data has ${inflated.length} bytes${rows}, its ${header.width}×${header.height} header ` +
        `needs ${expected}${header.interlaced ? '' : ` (${header.height} rows)`}`,
    );
  }
}
