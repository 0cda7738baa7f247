/** One image as float32 values [height, width, channels] row-major (augmentations work on these). */
export interface FloatImage {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** Index of (row, column, channel) in a [height, width, channels] buffer. */
export function pixelIndex(image: FloatImage, row: number, column: number, channel: number): number {
  return (row * image.width + column) * image.channels + channel;
}
