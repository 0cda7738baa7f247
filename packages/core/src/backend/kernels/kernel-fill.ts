import type * as tf from '@tensorflow/tfjs-core';

/**
 * A kernel Tessera can register for any backend that lacks it. Fills are written with tfjs ops,
 * so they run on whichever backend is active, on that backend's own native kernels. (Ops called
 * inside a kernel are not recorded on the gradient tape: the engine only tapes at kernel depth 0.)
 */
export type KernelFill = Omit<tf.KernelConfig, 'backendName'>;
