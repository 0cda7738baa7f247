import { TesseraError } from '@tessera/core';
import { logAdd, logErfc, logSubtract } from './log-math.js';

/**
 * The Rényi orders Opacus's RDP accountant evaluates by default: 1.1, 1.2, …, 10.9, then 12 … 63.
 * The fractional orders matter at large sampling rates (q = 0.04, σ = 1.5 is tightest at 3.9).
 */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, index) => 1 + (index + 1) / 10),
  ...Array.from({ length: 52 }, (_, index) => 12 + index),
]);

export interface SampledGaussianOptions {
  /** Probability q that each example is in a batch (Poisson sampling), in [0, 1]. */
  samplingRate: number;
  /** Noise standard deviation over the L2 sensitivity (σ; DP-SGD's σ·C noise on gradients clipped to C). */
  noiseMultiplier: number;
}

export function checkSampledGaussian({ samplingRate, noiseMultiplier }: SampledGaussianOptions): void {
  if (!(samplingRate >= 0 && samplingRate <= 1)) {
    throw new TesseraError('E_PRIVACY_ARGUMENT', `samplingRate must be in [0, 1], got ${samplingRate}`);
  }
  if (!(noiseMultiplier >= 0) || !Number.isFinite(noiseMultiplier)) {
    throw new TesseraError('E_PRIVACY_ARGUMENT', `noiseMultiplier must be a finite number ≥ 0, got ${noiseMultiplier}`);
  }
}

/** log A_α for integer α: the binomial expansion of Mironov, Talwar & Zhang (2019), §3.3. */
function logAForIntegerOrder(q: number, sigma: number, order: number): number {
  let logA = Number.NEGATIVE_INFINITY;
  let logBinomial = 0; // log C(α, i), built term by term: exact enough and needs no lgamma
  for (let i = 0; i <= order; i++) {
    if (i > 0) logBinomial += Math.log((order - i + 1) / i);
    const logCoefficient = logBinomial + i * Math.log(q) + (order - i) * Math.log1p(-q);
    logA = logAdd(logA, logCoefficient + (i * i - i) / (2 * sigma * sigma));
  }
  return logA;
}

/**
 * log A_α for fractional α: two series of Gaussian-tail integrals split at z₀ (Mironov et al.
 * 2019, §3.3), summed until the terms fall below e^−30. The generalised binomial coefficient
 * C(α, i) changes sign, so terms are added or subtracted in log space by that sign.
 */
function logAForFractionalOrder(q: number, sigma: number, order: number): number {
  let logA0 = Number.NEGATIVE_INFINITY;
  let logA1 = Number.NEGATIVE_INFINITY;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const variance2 = 2 * sigma * sigma;
  const erfcScale = Math.SQRT2 * sigma;
  let logAbsBinomial = 0; // log |C(α, i)|
  let binomialSign = 1;
  for (let i = 0; ; i++) {
    if (i > 0) {
      const factor = (order - i + 1) / i;
      logAbsBinomial += Math.log(Math.abs(factor));
      if (factor < 0) binomialSign = -binomialSign;
    }
    const j = order - i;
    const logT0 = logAbsBinomial + i * Math.log(q) + j * Math.log1p(-q);
    const logT1 = logAbsBinomial + j * Math.log(q) + i * Math.log1p(-q);
    const logE0 = Math.log(0.5) + logErfc((i - z0) / erfcScale);
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / erfcScale);
    const logS0 = logT0 + (i * i - i) / variance2 + logE0;
    const logS1 = logT1 + (j * j - j) / variance2 + logE1;
    if (binomialSign > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSubtract(logA0, logS0);
      logA1 = logSubtract(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30) break;
  }
  return logAdd(logA0, logA1);
}

/** RDP ε(α) of one step of the sampled Gaussian mechanism. */
function rdpOfOneStep(q: number, sigma: number, order: number): number {
  if (q === 0) return 0;
  if (sigma === 0) return Number.POSITIVE_INFINITY;
  if (q === 1) return order / (2 * sigma * sigma);
  if (!Number.isFinite(order)) return Number.POSITIVE_INFINITY;
  const logA = Number.isInteger(order) ? logAForIntegerOrder(q, sigma, order) : logAForFractionalOrder(q, sigma, order);
  return logA / (order - 1);
}

/**
 * Rényi differential privacy of `steps` compositions of the sampled Gaussian mechanism at each
 * order α > 1 (Mironov, Talwar & Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian
 * Mechanism"), as Opacus's and TF Privacy's `compute_rdp`. RDP composes additively over steps.
 */
export function computeRdp(options: SampledGaussianOptions & { steps: number; orders?: readonly number[] }): number[] {
  checkSampledGaussian(options);
  const { samplingRate, noiseMultiplier, steps } = options;
  if (!(Number.isInteger(steps) && steps >= 0)) {
    throw new TesseraError('E_PRIVACY_ARGUMENT', `steps must be a non-negative integer, got ${steps}`);
  }
  const orders = options.orders ?? DEFAULT_RDP_ORDERS;
  checkOrders(orders);
  return orders.map((order) => rdpOfOneStep(samplingRate, noiseMultiplier, order) * steps);
}

export function checkOrders(orders: readonly number[]): void {
  if (orders.length === 0 || orders.some((order) => !(order > 1))) {
    throw new TesseraError('E_PRIVACY_ARGUMENT', `RDP orders must be a non-empty list of numbers > 1, got [${orders}]`);
  }
}
