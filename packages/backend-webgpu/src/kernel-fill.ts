import type * as tf from '@tensorflow/tfjs-core';

/**
 * A kernel tfjs-backend-webgpu lacks and training needs, written with tfjs ops so it runs on the
 * backend's own kernels. (None is needed yet: see the README for what was checked.)
 */
export type KernelFill = Omit<tf.KernelConfig, 'backendName'>;
