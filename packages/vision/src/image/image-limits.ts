import { TesseraError } from '@tessera/core';

/**
 * The checks made on an image file before a decoder sees it (`png-structure.ts`,
 * `jpeg-structure.ts`): its structure is walked (PNG chunks, JPEG marker segments), its header's size is held against the pixel limit, and what the decoders
 * would get wrong (a PNG with fewer rows than its header, a 12-bit or truncated JPEG) is refused with
 * a code. pngjs and jpeg-js trust their input: pngjs fills missing rows with zeros and spends
 * minutes on a 30000×30000 header, jpeg-js reads 12-bit samples as 8-bit and past the end of a
 * truncated file. Every refusal here is a TesseraError naming `source`:
 *
 * - `E_IMAGE_TOO_LARGE`: width × height over the limit (checked from the header alone);
 * - `E_IMAGE_TRUNCATED`: the file, or the image data inside it, ends early;
 * - `E_IMAGE_UNSUPPORTED`: valid files the decoders cannot read correctly (12-bit, lossless,
 *   arithmetic-coded JPEG);
 * - `E_IMAGE_DECODE`: anything else malformed.
 */

/** The default pixel limit: 64 megapixels (8192 × 8192), 256 MB as RGBA. */
export const DEFAULT_MAX_IMAGE_PIXELS = 8192 * 8192;

export interface ImageSize {
  width: number;
  height: number;
}

/** `E_IMAGE_TOO_LARGE` when width × height (as the header declares them) is over `maxPixels`. */
export function checkPixelCount(size: ImageSize, maxPixels: number, source: string, format: string): void {
  if (size.width * size.height > maxPixels) {
    throw new TesseraError(
      'E_IMAGE_TOO_LARGE',
      `${source} is a ${size.width}×${size.height} ${format} (${size.width * size.height} pixels), over the limit of ` +
        `${maxPixels} pixels; pass a larger maxPixels to decode it`,
    );
  }
}
