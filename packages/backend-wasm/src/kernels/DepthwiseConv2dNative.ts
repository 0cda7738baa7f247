import * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from '../kernel-override.js';
import { forwardShapes, sameToExplicit } from '../support/same-padding-correction.js';

/** DepthwiseConv2dNative: 'same' padding rewritten to its explicit form (XNNPACK mis-computes some 'same' cases). */
export const depthwiseConv2dNativeOverrides: readonly KernelOverride[] = [
  sameToExplicit(tf.DepthwiseConv2dNative, true, forwardShapes),
];
