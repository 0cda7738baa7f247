import { crc32, deflateSync, inflateSync } from 'node:zlib';

/**
 * PNG files built and read chunk by chunk, straight from the PNG specification (W3C, 3rd ed.), for
 * tests: they make files no encoder would (fewer rows than the header, a 30000×30000 header,
 * Adam7 interlacing) and check decoded files independently of the decoder under test.
 */

export const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Samples per pixel by colour type (0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA). */
export const SAMPLES_PER_PIXEL: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** The bit depths each colour type allows. */
export const ALLOWED_BIT_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** Adam7's seven passes: [first row, first column, row step, column step]. */
const ADAM7 = [
  [0, 0, 8, 8],
  [0, 4, 8, 8],
  [4, 0, 8, 4],
  [0, 2, 4, 4],
  [2, 0, 4, 2],
  [0, 1, 2, 2],
  [1, 0, 2, 1],
] as const;

export interface PngChunk {
  type: string;
  data: Uint8Array;
}

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

/** One chunk's bytes: length, type, data, CRC over type and data. */
export function encodeChunk(chunk: PngChunk): Uint8Array {
  const bytes = new Uint8Array(12 + chunk.data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, chunk.data.length);
  bytes.set(Buffer.from(chunk.type, 'latin1'), 4);
  bytes.set(chunk.data, 8);
  view.setUint32(8 + chunk.data.length, crc32(bytes.subarray(4, 8 + chunk.data.length)));
  return bytes;
}

export function encodePngChunks(chunks: readonly PngChunk[]): Uint8Array {
  return Buffer.concat([PNG_SIGNATURE, ...chunks.map(encodeChunk)]);
}

export function headerChunk(header: PngHeader): PngChunk {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, header.width);
  view.setUint32(4, header.height);
  data.set([header.bitDepth, header.colorType, 0, 0, header.interlace], 8);
  return { type: 'IHDR', data };
}

/** Bytes of one scanline (without its filter byte) `width` pixels wide. */
export function scanlineLength(width: number, header: PngHeader): number {
  return Math.ceil((width * (SAMPLES_PER_PIXEL[header.colorType] ?? 1) * header.bitDepth) / 8);
}

/** Inflated image data the header promises: each pass's rows, each row a filter byte and its samples. */
export function expectedImageDataLength(header: PngHeader): number {
  const passes: (readonly [number, number, number, number])[] = header.interlace === 1 ? [...ADAM7] : [[0, 0, 1, 1]];
  let total = 0;
  for (const [firstRow, firstColumn, rowStep, columnStep] of passes) {
    const width = Math.ceil((header.width - firstColumn) / columnStep);
    const height = Math.ceil((header.height - firstRow) / rowStep);
    if (width > 0 && height > 0) total += height * (1 + scanlineLength(width, header));
  }
  return total;
}

/**
 * A PNG of `header` whose scanlines come from `random` (filter bytes 0–4, any samples: every such
 * stream is valid), with `rowsDelta` rows added or missing at the end of the image data, and a
 * palette for colour type 3.
 */
export function buildPng(header: PngHeader, random: () => number, rowsDelta = 0): Uint8Array {
  const bytes: number[] = [];
  const passes: (readonly [number, number, number, number])[] = header.interlace === 1 ? [...ADAM7] : [[0, 0, 1, 1]];
  for (const [firstRow, firstColumn, rowStep, columnStep] of passes) {
    const width = Math.ceil((header.width - firstColumn) / columnStep);
    const height = Math.ceil((header.height - firstRow) / rowStep);
    if (width <= 0) continue;
    for (let row = 0; row < height; row++) {
      bytes.push(Math.floor(random() * 5));
      for (let index = scanlineLength(width, header); index > 0; index--) bytes.push(Math.floor(random() * 256));
    }
  }
  const rowBytes = 1 + scanlineLength(header.width, header);
  if (rowsDelta < 0) bytes.length = Math.max(0, bytes.length + rowsDelta * rowBytes);
  for (let index = rowsDelta * rowBytes; index > 0; index--) bytes.push(index % rowBytes === 0 ? 0 : 7);
  const raw = Uint8Array.from(bytes);
  const chunks: PngChunk[] = [headerChunk(header)];
  if (header.colorType === 3) {
    const entries = 2 ** header.bitDepth;
    chunks.push({ type: 'PLTE', data: Uint8Array.from({ length: 3 * entries }, () => Math.floor(random() * 256)) });
  }
  chunks.push({ type: 'IDAT', data: deflateSync(raw) }, { type: 'IEND', data: new Uint8Array(0) });
  return encodePngChunks(chunks);
}

/** The chunks of a PNG, or undefined when the bytes are not a whole sequence of chunks. */
export function readPngChunks(bytes: Uint8Array): PngChunk[] | undefined {
  if (!PNG_SIGNATURE.every((byte, index) => bytes[index] === byte)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: PngChunk[] = [];
  let offset = 8;
  while (offset < bytes.length) {
    if (offset + 12 > bytes.length) return undefined;
    const length = view.getUint32(offset);
    if (offset + 12 + length > bytes.length) return undefined;
    const type = Buffer.from(bytes.subarray(offset + 4, offset + 8)).toString('latin1');
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== view.getUint32(offset + 8 + length))
      return undefined;
    chunks.push({ type, data });
    offset += 12 + length;
    if (type === 'IEND') break;
  }
  return chunks;
}

export function readPngHeader(data: Uint8Array): PngHeader {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    width: view.getUint32(0),
    height: view.getUint32(4),
    bitDepth: data[8] as number,
    colorType: data[9] as number,
    interlace: data[12] as number,
  };
}

/** The image data inflated, or undefined when it is not one complete zlib stream. */
export function inflateImageData(chunks: readonly PngChunk[], limit: number): Uint8Array | undefined {
  try {
    return inflateSync(Buffer.concat(chunks.filter((chunk) => chunk.type === 'IDAT').map((chunk) => chunk.data)), {
      maxOutputLength: Math.max(1, limit),
    });
  } catch {
    return undefined;
  }
}

/** Replaces the chunk at `index`, re-encoding its CRC (as an attacker would, to get past the check). */
export function replaceChunk(bytes: Uint8Array, index: number, replace: (chunk: PngChunk) => PngChunk | undefined) {
  const chunks = readPngChunks(bytes);
  if (chunks === undefined || chunks[index] === undefined) return bytes;
  const replaced = replace(chunks[index] as PngChunk);
  return encodePngChunks(
    replaced === undefined
      ? chunks.filter((_, position) => position !== index)
      : chunks.map((chunk, position) => (position === index ? replaced : chunk)),
  );
}

/** An 8-bit grey PNG of `pixels` (row-major), with filter type 0, Adam7-interlaced when asked. */
export function encodeGreyPng(pixels: Uint8Array, width: number, height: number, interlace: 0 | 1): Uint8Array {
  const raw: number[] = [];
  const passes: (readonly [number, number, number, number])[] = interlace === 1 ? [...ADAM7] : [[0, 0, 1, 1]];
  for (const [firstRow, firstColumn, rowStep, columnStep] of passes) {
    if (firstColumn >= width) continue;
    for (let row = firstRow; row < height; row += rowStep) {
      raw.push(0);
      for (let column = firstColumn; column < width; column += columnStep)
        raw.push(pixels[row * width + column] as number);
    }
  }
  const header = headerChunk({ width, height, bitDepth: 8, colorType: 0, interlace });
  return encodePngChunks([
    header,
    { type: 'IDAT', data: deflateSync(Uint8Array.from(raw)) },
    { type: 'IEND', data: new Uint8Array(0) },
  ]);
}
