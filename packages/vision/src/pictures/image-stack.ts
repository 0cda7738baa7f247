import { TesseraError, type tf } from '@tessera/core';

/** Several 8-bit images of one size, [count, height, width, channels] (an ImageSet is one). */
export interface ImageStack {
  readonly pixels: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** Images [count, height, width, channels] with values in [0, 1] → 8-bit (clipped, rounded). */
export async function tensorToImageStack(images: tf.Tensor): Promise<ImageStack> {
  if (images.rank !== 4) {
    throw new TesseraError('E_IMAGE_SHAPE', `expected images [count, height, width, channels], got [${images.shape}]`);
  }
  const values = await images.data();
  const pixels = Uint8Array.from(values, (value) => Math.round(Math.min(1, Math.max(0, value)) * 255));
  const [count, height, width, channels] = images.shape as [number, number, number, number];
  return { pixels, count, height, width, channels };
}

/** The pixels of image `index` with the stack's sizes, for Canvas.drawImage. */
export function stackImage(stack: ImageStack, index: number) {
  const size = stack.height * stack.width * stack.channels;
  return { ...stack, pixels: stack.pixels.subarray(index * size, (index + 1) * size) };
}
