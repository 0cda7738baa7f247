import { createRandomGenerator } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { type FuzzCase, fuzzCaseCount, runFuzzCases } from '../../../../scripts/testing/fuzz-outcomes.js';
import {
  ALLOWED_BIT_DEPTHS,
  buildPng,
  expectedImageDataLength,
  headerChunk,
  inflateImageData,
  type PngHeader,
  readPngChunks,
  readPngHeader,
  replaceChunk,
} from '../testing/png-files.js';
import type { Bitmap } from './bitmap.js';
import { decodeImage, encodeJpeg } from './image-file.js';

/**
 * Seeded mutations of valid PNG and JPEG files through `decodeImage`. Every case must end in a
 * bitmap or a TesseraError with a code, within a second; a bitmap must match what the file's own
 * header declares (checked here by reading the file independently), and files known to be broken
 * (truncated, fewer or more rows than the header, a 12-bit JPEG, more pixels than the limit) must
 * be refused.
 */

const MAX_PIXELS = 1 << 20; // a small limit keeps the huge-header cases cheap
const random = createRandomGenerator(22);
const uniform = () => random.nextFloat();
const pick = <T>(items: readonly T[]): T => items[random.nextInt(items.length)] as T;

const pngHeaders: PngHeader[] = [
  { width: 7, height: 5, bitDepth: 8, colorType: 0, interlace: 0 },
  { width: 13, height: 9, bitDepth: 8, colorType: 2, interlace: 0 },
  { width: 6, height: 6, bitDepth: 8, colorType: 6, interlace: 0 },
  { width: 5, height: 8, bitDepth: 8, colorType: 4, interlace: 0 },
  { width: 9, height: 4, bitDepth: 4, colorType: 3, interlace: 0 },
  { width: 11, height: 3, bitDepth: 1, colorType: 0, interlace: 0 },
  { width: 4, height: 5, bitDepth: 16, colorType: 2, interlace: 0 },
  { width: 10, height: 11, bitDepth: 8, colorType: 2, interlace: 1 },
];

function jpegSeed(height: number, width: number): Uint8Array {
  const pixels = Uint8Array.from({ length: height * width * 3 }, (_, index) => (index * 37) % 256);
  return encodeJpeg({ pixels, height, width, channels: 3 }, 85);
}

const jpegSeeds = [jpegSeed(8, 8), jpegSeed(19, 23), jpegSeed(32, 16)];

// --- Independent readers for the oracle ---

type Verdict = { valid: true; header: { width: number; height: number } } | { valid: false; reason: string };

function judgePng(bytes: Uint8Array): Verdict {
  const chunks = readPngChunks(bytes);
  if (chunks === undefined) return { valid: false, reason: 'not a whole sequence of chunks with good CRCs' };
  if (chunks[0]?.type !== 'IHDR' || chunks[0].data.length !== 13) return { valid: false, reason: 'no IHDR first' };
  if (chunks.at(-1)?.type !== 'IEND') return { valid: false, reason: 'no IEND' };
  const header = readPngHeader(chunks[0].data);
  if (!ALLOWED_BIT_DEPTHS[header.colorType]?.includes(header.bitDepth)) {
    return { valid: false, reason: `bit depth ${header.bitDepth} with colour type ${header.colorType}` };
  }
  if (header.interlace > 1) return { valid: false, reason: `interlace method ${header.interlace}` };
  if (header.width === 0 || header.height === 0) return { valid: false, reason: 'zero size' };
  if (header.width * header.height > MAX_PIXELS) return { valid: false, reason: 'over the pixel limit' };
  if (header.colorType === 3 && !chunks.some((chunk) => chunk.type === 'PLTE')) {
    return { valid: false, reason: 'palette image without PLTE' };
  }
  const expected = expectedImageDataLength(header);
  const inflated = inflateImageData(chunks, expected + 1);
  if (inflated === undefined) return { valid: false, reason: 'image data is not one zlib stream (or too long)' };
  if (inflated.length !== expected) {
    return { valid: false, reason: `image data of ${inflated.length} bytes, the header promises ${expected}` };
  }
  return { valid: true, header };
}

/** SOF and EOI of a JPEG, walking its marker segments. */
function judgeJpeg(bytes: Uint8Array): Verdict {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return { valid: false, reason: `no marker at ${offset}` };
    const marker = bytes[offset + 1] as number;
    const length = ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number);
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      if (offset + 9 > bytes.length) return { valid: false, reason: 'truncated frame header' };
      const precision = bytes[offset + 4] as number;
      const height = ((bytes[offset + 5] as number) << 8) | (bytes[offset + 6] as number);
      const width = ((bytes[offset + 7] as number) << 8) | (bytes[offset + 8] as number);
      if (precision !== 8) return { valid: false, reason: `${precision}-bit samples` };
      if (width === 0 || height === 0) return { valid: false, reason: 'zero size' };
      if (width * height > MAX_PIXELS) return { valid: false, reason: 'over the pixel limit' };
      // Entropy-coded data never holds FF D9 (FF is always followed by 00 or a restart marker).
      for (let end = offset; end + 1 < bytes.length; end++) {
        if (bytes[end] === 0xff && bytes[end + 1] === 0xd9) return { valid: true, header: { width, height } };
      }
      return { valid: false, reason: 'no end-of-image marker (truncated)' };
    }
    offset += 2 + length;
  }
  return { valid: false, reason: 'no frame header' };
}

const judge = (bytes: Uint8Array): Verdict => (bytes[0] === 0x89 ? judgePng(bytes) : judgeJpeg(bytes));

// --- Mutations ---

const flipBits = (bytes: Uint8Array) => {
  const copy = bytes.slice();
  if (copy.length === 0) return copy;
  for (let count = 1 + random.nextInt(6); count > 0; count--)
    copy[random.nextInt(copy.length)] ^= 1 << random.nextInt(8);
  return copy;
};
const truncate = (bytes: Uint8Array) => bytes.slice(0, random.nextInt(bytes.length));
const append = (bytes: Uint8Array) =>
  Uint8Array.from([...bytes, ...Array.from({ length: 1 + random.nextInt(16) }, () => random.nextInt(256))]);
const hugeSizes = [0, 1, 30000, 65535, 2 ** 24, 2 ** 31 - 1, 2 ** 32 - 1];

const pngMutations: [string, (header: PngHeader) => Uint8Array][] = [
  ['png: unchanged', (header) => buildPng(header, uniform)],
  ['png: flip bits', (header) => flipBits(buildPng(header, uniform))],
  [
    // Bit flips past the CRC check, as the attacker did.
    'png: flip chunk bits, CRC fixed',
    (header) => {
      const bytes = buildPng(header, uniform);
      const chunks = readPngChunks(bytes) ?? [];
      return replaceChunk(bytes, random.nextInt(chunks.length), (chunk) => ({ ...chunk, data: flipBits(chunk.data) }));
    },
  ],
  ['png: truncate', (header) => truncate(buildPng(header, uniform))],
  ['png: append bytes', (header) => append(buildPng(header, uniform))],
  [
    'png: huge header, CRC fixed',
    (header) =>
      replaceChunk(buildPng(header, uniform), 0, () =>
        headerChunk({ ...header, width: pick(hugeSizes), height: pick([header.height, ...hugeSizes]) }),
      ),
  ],
  ['png: fewer rows than the header', (header) => buildPng(header, uniform, -1 - random.nextInt(header.height))],
  ['png: more rows than the header', (header) => buildPng(header, uniform, 1 + random.nextInt(3))],
  [
    'png: other bit depth or colour type, CRC fixed',
    (header) =>
      replaceChunk(buildPng(header, uniform), 0, () =>
        headerChunk({
          ...header,
          bitDepth: pick([1, 2, 4, 8, 16, 3, 0]),
          colorType: pick([0, 2, 3, 4, 6, 1, 7]),
          interlace: pick([0, 0, 1, 2]),
        }),
      ),
  ],
  [
    'png: drop a chunk',
    (header) => {
      const bytes = buildPng(header, uniform);
      return replaceChunk(bytes, random.nextInt((readPngChunks(bytes) ?? []).length), () => undefined);
    },
  ],
];

/** The offset of the first frame header's precision byte. */
function frameOffset(bytes: Uint8Array): number {
  let offset = 2;
  while (offset + 4 <= bytes.length && !(bytes[offset + 1] === 0xc0 || bytes[offset + 1] === 0xc2)) {
    offset += 2 + (((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number));
  }
  return offset + 4;
}

const jpegMutations: [string, (seed: Uint8Array) => Uint8Array][] = [
  ['jpeg: unchanged', (seed) => seed],
  ['jpeg: flip bits', flipBits],
  ['jpeg: truncate', truncate],
  ['jpeg: append bytes', append],
  [
    'jpeg: 12-bit precision',
    (seed) => {
      const copy = seed.slice();
      copy[frameOffset(copy)] = pick([12, 16, 0]);
      return copy;
    },
  ],
  [
    'jpeg: huge or zero frame size',
    (seed) => {
      const copy = seed.slice();
      const view = new DataView(copy.buffer);
      const offset = frameOffset(copy);
      if (random.nextFloat() < 0.7) view.setUint16(offset + 1, pick([0, 30000, 65535]));
      view.setUint16(offset + 3, pick([0, 1, 30000, 65535]));
      return copy;
    },
  ],
];

function* cases(count: number): Generator<FuzzCase<Uint8Array>> {
  for (let index = 0; index < count; index++) {
    if (index % 2 === 0) {
      const [name, mutate] = pick(pngMutations);
      yield { name, input: mutate(pick(pngHeaders)), valid: name === 'png: unchanged' };
    } else {
      const [name, mutate] = pick(jpegMutations);
      yield { name, input: mutate(pick(jpegSeeds)), valid: name === 'jpeg: unchanged' };
    }
  }
}

describe('fuzzed PNG and JPEG files', () => {
  it('end in a bitmap that matches the header, or a TesseraError with a code, within a second each', () => {
    const report = runFuzzCases(cases(fuzzCaseCount(400)), (bytes) => decodeImage(bytes, { maxPixels: MAX_PIXELS }), {
      timeLimitMs: 1000,
      forbiddenMessages: [/waitng on finished stream/, /Cannot (read|set) properties/, /is not a function/],
      garbage: (bytes, bitmap: Bitmap) => {
        const verdict = judge(bytes);
        if (!verdict.valid) return verdict.reason;
        const { width, height } = verdict.header;
        if (bitmap.width !== width || bitmap.height !== height) {
          return `decoded ${bitmap.width}×${bitmap.height}, the header says ${width}×${height}`;
        }
        if (bitmap.pixels.length !== width * height * bitmap.channels) return 'pixels do not fill the bitmap';
        return undefined;
      },
    });
    console.log(
      `image decoder fuzz: ${JSON.stringify(report.counts)}; failures ${JSON.stringify(report.failureCounts)}`,
    );
    expect(report.failures).toEqual([]);
    // The mutations reach every check.
    for (const code of ['ok', 'E_IMAGE_DECODE', 'E_IMAGE_TRUNCATED', 'E_IMAGE_TOO_LARGE', 'E_IMAGE_UNSUPPORTED']) {
      expect(report.counts[code] ?? 0, `${code} in ${JSON.stringify(report.counts)}`).toBeGreaterThan(0);
    }
  });
});
