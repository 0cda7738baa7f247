import type * as tf from '@tensorflow/tfjs-core';

/**
 * A replacement for one of tfjs-backend-webgpu's own kernels that keeps the native kernel underneath:
 * `wrap` receives the kernel registered before it and returns the one to register. A correction
 * sends the inputs the native kernel gets wrong down a path that is right; every override is tested
 * for equality with the cpu backend.
 */
export interface KernelOverride {
  kernelName: string;
  /** `correction`: the native kernel is wrong for some inputs; `speed`: it is slow for some. */
  purpose: 'correction' | 'speed';
  wrap(native: tf.KernelFunc): tf.KernelFunc;
}
