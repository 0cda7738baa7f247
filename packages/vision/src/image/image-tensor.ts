import { TesseraError, tf } from '@tessera/core';
import type { Bitmap, ChannelCount } from './bitmap.js';

/** 8-bit pixels → float32 [height, width, channels] in [0, 1]. */
export function bitmapToTensor(bitmap: Bitmap): tf.Tensor3D {
  const values = new Float32Array(bitmap.pixels.length);
  for (let index = 0; index < values.length; index++) values[index] = (bitmap.pixels[index] as number) / 255;
  return tf.tensor3d(values, [bitmap.height, bitmap.width, bitmap.channels]);
}

/** float [height, width, channels] in [0, 1] → 8-bit pixels, clipped and rounded. */
export async function tensorToBitmap(image: tf.Tensor): Promise<Bitmap> {
  if (image.rank !== 3 || ![1, 3, 4].includes(image.shape[2] as number)) {
    throw new TesseraError('E_IMAGE_SHAPE', `expected [height, width, 1|3|4] in [0, 1], got [${image.shape}]`);
  }
  const values = await image.data();
  const pixels = new Uint8Array(values.length);
  for (let index = 0; index < values.length; index++) {
    pixels[index] = Math.round(Math.min(1, Math.max(0, values[index] as number)) * 255);
  }
  const [height, width, channels] = image.shape as [number, number, ChannelCount];
  return { pixels, height, width, channels };
}

/**
 * Resizes [height, width, C] or [batch, height, width, C] images with bilinear interpolation and
 * half-pixel centres: PyTorch's F.interpolate(mode='bilinear', align_corners=False, antialias=False),
 * tf.image.resize(method='bilinear') in TF 2, and OpenCV's INTER_LINEAR.
 */
export function resizeBilinear<T extends tf.Tensor3D | tf.Tensor4D>(images: T, size: [number, number]): T {
  const [height, width] = size;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new TesseraError('E_IMAGE_RESIZE', `resize needs positive integer [height, width], got [${size}]`);
  }
  if (images.rank !== 3 && images.rank !== 4) {
    throw new TesseraError(
      'E_IMAGE_SHAPE',
      `resize expects [height, width, C] or [batch, height, width, C], got [${images.shape}]`,
    );
  }
  return tf.tidy(() => tf.image.resizeBilinear(tf.cast(images, 'float32') as T, [height, width], false, true));
}

/**
 * (x − mean[c]) / std[c] for each channel c (torchvision's Normalize), over the last axis of
 * [..., channels]. MNIST's usual statistics are mean 0.1307, std 0.3081.
 */
export function normalizeChannels(images: tf.Tensor, mean: readonly number[], std: readonly number[]): tf.Tensor {
  const channels = images.shape[images.rank - 1] as number;
  checkStatistics(channels, mean, std);
  return tf.tidy(() => tf.div(tf.sub(images, tf.tensor1d([...mean])), tf.tensor1d([...std])));
}

export function checkStatistics(channels: number, mean: readonly number[], std: readonly number[]): void {
  if (mean.length !== channels || std.length !== channels) {
    throw new TesseraError(
      'E_IMAGE_NORMALIZE',
      `normalisation needs one mean and one std per channel (${channels}), got ${mean.length} and ${std.length}`,
    );
  }
  if (std.some((value) => !(value > 0))) {
    throw new TesseraError('E_IMAGE_NORMALIZE', `std values must be positive, got [${std}]`);
  }
}
