import type * as tf from '@tensorflow/tfjs-core';

/**
 * A replacement for one of tfjs-backend-wasm's own kernels that keeps the native kernel underneath:
 * `wrap` receives the kernel registered before it and returns the one to register (the native
 * setup and dispose functions are kept). Two reasons to override a kernel: it is wrong for some
 * attributes (a correction: the same computation sent down a path that is right), or it is slow for
 * some inputs (the same result computed from faster native kernels). Every override is tested for
 * equality with the cpu backend.
 */
export interface KernelOverride {
  kernelName: string;
  /** `correction`: the native kernel is wrong for some attributes; `speed`: it is slow for some inputs. */
  purpose: 'correction' | 'speed';
  wrap(native: tf.KernelFunc): tf.KernelFunc;
}
