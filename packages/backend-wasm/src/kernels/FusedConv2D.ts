import * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from '../kernel-override.js';
import { forwardShapes, sameToExplicit } from '../support/same-padding-correction.js';

/** FusedConv2D: 'same' padding rewritten to its explicit form (XNNPACK mis-computes some 'same' cases). */
export const fusedConv2DOverrides: readonly KernelOverride[] = [sameToExplicit(tf.FusedConv2D, false, forwardShapes)];
