import type * as tf from '@tensorflow/tfjs-core';

/**
 * A kernel tfjs-backend-wasm lacks and training needs. Fills are written with tfjs ops, so they run
 * on the backend's own native kernels. (Ops called inside a kernel are not recorded on the gradient
 * tape: the engine only tapes at kernel depth 0.)
 */
export type KernelFill = Omit<tf.KernelConfig, 'backendName'>;
