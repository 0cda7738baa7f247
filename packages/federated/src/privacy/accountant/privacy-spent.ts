import { TesseraError } from '@tessera/core';
import {
  checkOrders,
  checkSampledGaussian,
  computeRdp,
  DEFAULT_RDP_ORDERS,
  type SampledGaussianOptions,
} from './sampled-gaussian-rdp.js';

export interface PrivacySpent {
  /** The smallest ε over the orders: the mechanism is (ε, δ)-differentially private. */
  epsilon: number;
  /** The Rényi order that gave it; at the first or last order, more orders could tighten ε. */
  order: number;
}

function checkDelta(delta: number): void {
  if (!(delta > 0 && delta < 1)) {
    throw new TesseraError(
      'E_PRIVACY_ARGUMENT',
      `delta must be in (0, 1), got ${delta}; 1e-5 is usual for 60,000 examples`,
    );
  }
}

/**
 * Converts RDP guarantees to (ε, δ)-DP with the conversion of Balle et al. (2020), "Hypothesis
 * testing interpretations and Rényi differential privacy", Theorem 21, which current Opacus
 * (`get_privacy_spent`) and Google's dp_accounting use:
 *
 *   ε(α) = rdp(α) − (log δ + log α)/(α − 1) + log((α − 1)/α)
 *
 * minimised over α. It is tighter than the original ε = rdp(α) + log(1/δ)/(α − 1) of Mironov
 * (2017) by log(α)/(α − 1) − log((α − 1)/α) at every order. Like dp_accounting, ε is floored
 * at 0.
 */
export function rdpToEpsilon(options: {
  orders: readonly number[];
  rdp: readonly number[];
  delta: number;
}): PrivacySpent {
  const { orders, rdp, delta } = options;
  checkDelta(delta);
  checkOrders(orders);
  if (orders.length !== rdp.length) {
    throw new TesseraError('E_PRIVACY_ARGUMENT', `${orders.length} orders but ${rdp.length} RDP values`);
  }
  let best: PrivacySpent = { epsilon: Number.POSITIVE_INFINITY, order: Number.NaN };
  for (let index = 0; index < orders.length; index++) {
    const order = orders[index] as number;
    const epsilon =
      (rdp[index] as number) - (Math.log(delta) + Math.log(order)) / (order - 1) + Math.log((order - 1) / order);
    if (epsilon < best.epsilon) best = { epsilon, order };
  }
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}

export interface ComputeEpsilonOptions extends SampledGaussianOptions {
  /** Number of DP-SGD steps (noisy gradient releases). */
  steps: number;
  delta: number;
  /** Rényi orders to optimise over; default {@link DEFAULT_RDP_ORDERS} (Opacus's). */
  orders?: readonly number[];
}

/**
 * (ε, δ) of `steps` steps of DP-SGD with Poisson sampling rate q and noise multiplier σ: RDP of
 * the sampled Gaussian mechanism, converted with {@link rdpToEpsilon}. Reproduces Opacus's
 * accountant test (q = 0.04, σ = 1.5, 2,250 steps, δ = 1e-5 → ε = 7.32911 at order 3.9) and TF
 * Privacy's compute_dp_sgd_privacy test (q = 150/60,000, σ = 1.3, 6,000 steps → ε = 0.72422).
 */
export function computeEpsilon(options: ComputeEpsilonOptions): PrivacySpent {
  const orders = options.orders ?? DEFAULT_RDP_ORDERS;
  checkDelta(options.delta);
  return rdpToEpsilon({ orders, rdp: computeRdp({ ...options, orders }), delta: options.delta });
}

export interface ComputeNoiseMultiplierOptions {
  samplingRate: number;
  targetEpsilon: number;
  delta: number;
  /** The run's length in steps… */
  steps?: number;
  /** …or in epochs: steps = ⌊epochs / samplingRate⌋, as Opacus. Give exactly one. */
  epochs?: number;
  /** The search stops once ε is within this much below the target (default 0.01, as Opacus). */
  epsilonTolerance?: number;
  orders?: readonly number[];
}

export interface NoiseMultiplierResult extends PrivacySpent {
  /** The smallest σ found whose ε is at most the target (and within the tolerance of it). */
  noiseMultiplier: number;
}

const MAXIMUM_NOISE_MULTIPLIER = 1e6;

/**
 * The noise multiplier σ that spends (targetEpsilon, δ) over the run: Opacus's
 * `get_noise_multiplier`. σ is doubled from 20 until ε ≤ target, then bisected (keeping the upper
 * end, whose ε is within budget) until target − ε ≤ epsilonTolerance. The result therefore never
 * overshoots the budget, and lies within the tolerance in ε of the exact inverse — e.g. q = 0.04,
 * ε = 8, δ = 1e-5, 90 epochs → σ = 1.416 (Opacus's test).
 */
export function computeNoiseMultiplier(options: ComputeNoiseMultiplierOptions): NoiseMultiplierResult {
  const { samplingRate, targetEpsilon, delta } = options;
  const tolerance = options.epsilonTolerance ?? 0.01;
  checkSampledGaussian({ samplingRate, noiseMultiplier: 1 });
  checkDelta(delta);
  if (!(targetEpsilon > 0) || !Number.isFinite(targetEpsilon)) {
    throw new TesseraError(
      'E_PRIVACY_ARGUMENT',
      `targetEpsilon must be a positive finite number, got ${targetEpsilon}`,
    );
  }
  if (!(tolerance > 0)) {
    throw new TesseraError('E_PRIVACY_ARGUMENT', `epsilonTolerance must be positive, got ${tolerance}`);
  }
  if ((options.steps === undefined) === (options.epochs === undefined)) {
    throw new TesseraError('E_PRIVACY_ARGUMENT', 'computeNoiseMultiplier takes either steps or epochs (exactly one)');
  }
  const steps = options.steps ?? Math.floor((options.epochs as number) / samplingRate);
  const epsilonAt = (noiseMultiplier: number) =>
    computeEpsilon({ samplingRate, noiseMultiplier, steps, delta, orders: options.orders });

  let low = 0;
  let high = 10;
  let highSpent: PrivacySpent = { epsilon: Number.POSITIVE_INFINITY, order: Number.NaN };
  while (highSpent.epsilon > targetEpsilon) {
    high *= 2;
    if (high > MAXIMUM_NOISE_MULTIPLIER) {
      throw new TesseraError(
        'E_PRIVACY_BUDGET',
        `no noise multiplier up to ${MAXIMUM_NOISE_MULTIPLIER} reaches ε = ${targetEpsilon} at δ = ${delta} over ${steps} steps at q = ${samplingRate}: the budget is too small; raise ε or δ, or train for fewer steps`,
      );
    }
    highSpent = epsilonAt(high);
  }
  while (targetEpsilon - highSpent.epsilon > tolerance) {
    const middle = (low + high) / 2;
    const spent = epsilonAt(middle);
    if (spent.epsilon < targetEpsilon) {
      high = middle;
      highSpent = spent;
    } else {
      low = middle;
    }
  }
  return { noiseMultiplier: high, ...highSpent };
}
