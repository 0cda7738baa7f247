import * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from '../kernel-override.js';
import { forwardShapes, sameToExplicit } from '../support/same-padding-correction.js';

/** Conv2D: 'same' padding rewritten to its explicit form (XNNPACK mis-computes some 'same' cases). */
export const conv2DOverrides: readonly KernelOverride[] = [sameToExplicit(tf.Conv2D, false, forwardShapes)];
