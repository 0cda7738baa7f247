import * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from '../kernel-override.js';
import { forwardShapes, sameToExplicit } from '../support/same-padding-correction.js';

/** FusedDepthwiseConv2D: 'same' padding rewritten to its explicit form (XNNPACK mis-computes some 'same' cases). */
export const fusedDepthwiseConv2DOverrides: readonly KernelOverride[] = [
  sameToExplicit(tf.FusedDepthwiseConv2D, true, forwardShapes),
];
