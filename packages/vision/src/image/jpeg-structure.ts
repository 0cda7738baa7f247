import { TesseraError } from '@tessera/core';
import { checkPixelCount, type ImageSize } from './image-limits.js';

/** JPEG frame types (SOFn) jpeg-js decodes: baseline, extended and progressive Huffman. */
const DECODABLE_FRAMES = new Set([0xc0, 0xc1, 0xc2]);
/** The other SOFn markers: lossless, hierarchical, arithmetic-coded. C4 (DHT), C8 and CC (DAC) are not frames. */
const OTHER_FRAMES = new Set([0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
const DHT = 0xc4;
const DQT = 0xdb;
const SOS = 0xda;
const EOI = 0xd9;

interface Frame extends ImageSize {
  progressive: boolean;
  /** Component id → quantization table id. */
  components: Map<number, number>;
}

/** The tables defined so far: Huffman DC and AC (class 0 and 1) and quantization, by id. */
interface Tables {
  dc: Set<number>;
  ac: Set<number>;
  quantization: Set<number>;
}

/**
 * Walks a JPEG's marker segments from SOI to EOI (ITU T.81, annex B), stepping over each scan's
 * entropy-coded data, and checks what jpeg-js would otherwise trip over with a TypeError or misread:
 * one supported frame of 8-bit samples within the pixel limit; every scan naming components of the
 * frame and Huffman tables defined before it; every quantization table the frame uses defined; an
 * end-of-image marker (else the file is truncated).
 */
export function inspectJpeg(bytes: Uint8Array, source: string, maxPixels: number): ImageSize {
  const fail = (code: `E_${string}`, detail: string) => new TesseraError(code, `${source}${detail}`);
  const tables: Tables = { dc: new Set(), ac: new Set(), quantization: new Set() };
  let frame: Frame | undefined;
  let offset = 2;
  for (;;) {
    while (bytes[offset] === 0xff && bytes[offset + 1] === 0xff) offset++; // fill bytes
    if (offset + 2 > bytes.length)
      throw fail('E_IMAGE_TRUNCATED', ' is a truncated JPEG: it has no end-of-image marker');
    const marker = bytes[offset + 1] as number;
    if (bytes[offset] !== 0xff) throw fail('E_IMAGE_DECODE', `: no JPEG marker at byte ${offset}`);
    if (marker === EOI) {
      if (frame === undefined) throw fail('E_IMAGE_DECODE', ': the JPEG ends before its frame header');
      for (const [component, table] of frame.components) {
        if (!tables.quantization.has(table)) {
          throw fail('E_IMAGE_DECODE', `: JPEG component ${component} uses quantization table ${table}, never defined`);
        }
      }
      return { width: frame.width, height: frame.height };
    }
    if (marker === 0x00 || marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
      throw fail('E_IMAGE_DECODE', `: an unexpected JPEG marker ff${marker.toString(16)} at byte ${offset}`);
    }
    if (offset + 4 > bytes.length) throw fail('E_IMAGE_TRUNCATED', ' is a truncated JPEG: it ends inside a marker');
    const length = ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number);
    if (length < 2) throw fail('E_IMAGE_DECODE', `: a JPEG segment of length ${length} at byte ${offset}`);
    const end = offset + 2 + length;
    if (end > bytes.length) throw fail('E_IMAGE_TRUNCATED', ' is a truncated JPEG: it ends inside a marker segment');
    const segment = bytes.subarray(offset + 4, end);
    if (OTHER_FRAMES.has(marker)) {
      throw fail(
        'E_IMAGE_UNSUPPORTED',
        ` is a lossless, hierarchical or arithmetic-coded JPEG (SOF ${marker.toString(16)}), which the decoder ` +
          'does not read; convert it to a baseline or progressive JPEG, or to PNG',
      );
    }
    if (DECODABLE_FRAMES.has(marker)) {
      if (frame !== undefined) throw fail('E_IMAGE_DECODE', ': the JPEG has two frame headers');
      frame = readFrame(segment, marker === 0xc2, source, maxPixels);
    } else if (marker === DHT) {
      readHuffmanTables(segment, tables, source);
    } else if (marker === DQT) {
      readQuantizationTables(segment, tables, source);
    } else if (marker === SOS) {
      if (frame === undefined) throw fail('E_IMAGE_DECODE', ': a JPEG scan before its frame header');
      checkScan(segment, frame, tables, source);
      offset = skipEntropyCodedData(bytes, end);
      continue;
    }
    offset = end;
  }
}

/** The offset of the marker after a scan's entropy-coded data (where FF is followed by 00 or RSTn). */
function skipEntropyCodedData(bytes: Uint8Array, start: number): number {
  for (let offset = start; offset + 1 < bytes.length; offset++) {
    if (bytes[offset] !== 0xff) continue;
    const next = bytes[offset + 1] as number;
    if (next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) return offset;
  }
  return bytes.length; // truncated: the walk reports it
}

function readFrame(segment: Uint8Array, progressive: boolean, source: string, maxPixels: number): Frame {
  if (segment.length < 6) throw new TesseraError('E_IMAGE_DECODE', `${source}: the JPEG frame header is too short`);
  const precision = segment[0] as number;
  const height = ((segment[1] as number) << 8) | (segment[2] as number);
  const width = ((segment[3] as number) << 8) | (segment[4] as number);
  const count = segment[5] as number;
  if (precision !== 8) {
    throw new TesseraError(
      'E_IMAGE_UNSUPPORTED',
      `${source} is a ${precision}-bit JPEG; only 8-bit samples are decoded (jpeg-js would misread them): ` +
        'convert it to an 8-bit JPEG or a (16-bit) PNG',
    );
  }
  if (height === 0) {
    throw new TesseraError(
      'E_IMAGE_UNSUPPORTED',
      `${source}: the JPEG's height is 0 (to be given by a DNL marker), which the decoder does not support`,
    );
  }
  if (width === 0) throw new TesseraError('E_IMAGE_DECODE', `${source}: the JPEG's frame header gives width 0`);
  checkPixelCount({ width, height }, maxPixels, source, 'JPEG');
  if (![1, 3, 4].includes(count)) {
    throw new TesseraError(
      'E_IMAGE_UNSUPPORTED',
      `${source}: a JPEG of ${count} components (grey 1, colour 3 or CMYK 4 are decoded)`,
    );
  }
  if (segment.length !== 6 + 3 * count) {
    throw new TesseraError('E_IMAGE_DECODE', `${source}: the JPEG frame header's length does not match its components`);
  }
  const components = new Map<number, number>();
  for (let index = 0; index < count; index++) {
    const [id, sampling, table] = segment.subarray(6 + 3 * index, 9 + 3 * index) as unknown as number[];
    const horizontal = (sampling as number) >> 4;
    const vertical = (sampling as number) & 15;
    if (horizontal < 1 || horizontal > 4 || vertical < 1 || vertical > 4 || (table as number) > 3) {
      throw new TesseraError(
        'E_IMAGE_DECODE',
        `${source}: JPEG component ${id} has sampling ${horizontal}×${vertical} or table ${table} out of range`,
      );
    }
    if (components.has(id as number)) throw new TesseraError('E_IMAGE_DECODE', `${source}: two JPEG components ${id}`);
    components.set(id as number, table as number);
  }
  return { width, height, progressive, components };
}

function readHuffmanTables(segment: Uint8Array, tables: Tables, source: string): void {
  let offset = 0;
  while (offset < segment.length) {
    const classAndId = segment[offset] as number;
    const counts = segment.subarray(offset + 1, offset + 17);
    const values = counts.reduce((sum, count) => sum + count, 0);
    if (classAndId >> 4 > 1 || (classAndId & 15) > 3 || counts.length < 16 || offset + 17 + values > segment.length) {
      throw new TesseraError('E_IMAGE_DECODE', `${source}: a malformed JPEG Huffman table`);
    }
    (classAndId >> 4 === 0 ? tables.dc : tables.ac).add(classAndId & 15);
    offset += 17 + values;
  }
}

function readQuantizationTables(segment: Uint8Array, tables: Tables, source: string): void {
  let offset = 0;
  while (offset < segment.length) {
    const precisionAndId = segment[offset] as number;
    const size = precisionAndId >> 4 === 0 ? 64 : precisionAndId >> 4 === 1 ? 128 : 0;
    if (size === 0 || (precisionAndId & 15) > 3 || offset + 1 + size > segment.length) {
      throw new TesseraError('E_IMAGE_DECODE', `${source}: a malformed JPEG quantization table`);
    }
    tables.quantization.add(precisionAndId & 15);
    offset += 1 + size;
  }
}

/** A scan's components must be the frame's, with the Huffman tables its decoding reads defined. */
function checkScan(segment: Uint8Array, frame: Frame, tables: Tables, source: string): void {
  const count = segment[0] ?? 0;
  if (count < 1 || count > 4 || segment.length !== 4 + 2 * count) {
    throw new TesseraError('E_IMAGE_DECODE', `${source}: a malformed JPEG scan header`);
  }
  const spectralStart = segment[1 + 2 * count] as number;
  const approximationHigh = (segment[3 + 2 * count] as number) >> 4;
  // Sequential scans read both tables; progressive ones the DC table (first DC pass) or the AC table.
  const needsDc = !frame.progressive || (spectralStart === 0 && approximationHigh === 0);
  const needsAc = !frame.progressive || spectralStart > 0;
  for (let index = 0; index < count; index++) {
    const component = segment[1 + 2 * index] as number;
    const selectors = segment[2 + 2 * index] as number;
    if (!frame.components.has(component)) {
      throw new TesseraError('E_IMAGE_DECODE', `${source}: a JPEG scan names component ${component}, not in the frame`);
    }
    if ((needsDc && !tables.dc.has(selectors >> 4)) || (needsAc && !tables.ac.has(selectors & 15))) {
      throw new TesseraError('E_IMAGE_DECODE', `${source}: a JPEG scan uses a Huffman table never defined`);
    }
  }
}
