import * as tf from '@tensorflow/tfjs-core';
import { fusedAdamUpdate, fusedAdamUpdateAvailable } from '../fused/adam-update.js';
import { type NamedParameters, Optimizer, type ParameterGroup } from './optimizer.js';

/**
 * What an optimizer trains: every parameter with the same hyperparameters (`model.namedParameters()`),
 * or groups with their own overrides (see {@link weightDecayGroups}). Exported as `OptimizerParameters`.
 */
export type Parameters<H> = NamedParameters | Array<ParameterGroup<H>>;

export interface SGDOptions {
  learningRate: number;
  momentum: number;
  /** Fraction of the gradient NOT added to the momentum buffer (PyTorch's dampening). */
  dampening: number;
  nesterov: boolean;
  /** L2 penalty added to the gradient (coupled, as torch.optim.SGD). */
  weightDecay: number;
}

/** torch.optim.SGD: buffer = μ·buffer + (1 − dampening)·g (g on the first step); p −= lr·update. */
export class SGD extends Optimizer<SGDOptions> {
  constructor(parameters: Parameters<SGDOptions>, options: Partial<SGDOptions> & { learningRate: number }) {
    super(parameters, { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, ...options });
  }

  protected update(
    p: tf.Variable,
    g: tf.Tensor,
    h: SGDOptions,
    learningRate: number,
    step: number,
    slot: (name: string) => tf.Variable,
  ): tf.Tensor {
    let gradient = h.weightDecay > 0 ? tf.add(g, tf.mul(h.weightDecay, p)) : g;
    if (h.momentum > 0) {
      const buffer = slot('momentum_buffer');
      const updated = step === 1 ? gradient : tf.add(tf.mul(h.momentum, buffer), tf.mul(1 - h.dampening, gradient));
      buffer.assign(updated);
      gradient = h.nesterov ? tf.add(gradient, tf.mul(h.momentum, updated)) : updated;
    }
    return tf.sub(p, tf.mul(learningRate, gradient));
  }
}

export interface AdamOptions {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

const adamDefaults = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/** Adam's moment update and bias-corrected step, shared by Adam and AdamW. */
function adamStep(
  p: tf.Tensor,
  gradient: tf.Tensor,
  h: AdamOptions,
  learningRate: number,
  step: number,
  slot: (name: string) => tf.Variable,
): tf.Tensor {
  const firstMoment = slot('exp_avg');
  const secondMoment = slot('exp_avg_sq');
  const m = tf.add(tf.mul(h.beta1, firstMoment), tf.mul(1 - h.beta1, gradient));
  const v = tf.add(tf.mul(h.beta2, secondMoment), tf.mul(1 - h.beta2, tf.square(gradient)));
  firstMoment.assign(m);
  secondMoment.assign(v);
  const biasCorrection1 = 1 - h.beta1 ** step;
  const biasCorrection2 = 1 - h.beta2 ** step;
  // p −= lr / bc1 · m / (√v / √bc2 + ε), the order of operations torch uses.
  const denominator = tf.add(tf.div(tf.sqrt(v), Math.sqrt(biasCorrection2)), h.epsilon);
  return tf.sub(p, tf.mul(learningRate / biasCorrection1, tf.div(m, denominator)));
}

/** `adamStep` in one kernel where the backend has it (torch); `decayFactor` scales p first (AdamW). */
function fusedAdamStep(
  p: tf.Tensor,
  gradient: tf.Tensor,
  h: AdamOptions,
  learningRate: number,
  step: number,
  slot: (name: string) => tf.Variable,
  decayFactor: number,
): tf.Tensor {
  const firstMoment = slot('exp_avg');
  const secondMoment = slot('exp_avg_sq');
  const updated = fusedAdamUpdate(p, gradient, firstMoment, secondMoment, {
    learningRate,
    beta1: h.beta1,
    beta2: h.beta2,
    epsilon: h.epsilon,
    step,
    decayFactor,
  });
  firstMoment.assign(updated.firstMoment);
  secondMoment.assign(updated.secondMoment);
  return updated.parameter;
}

/** torch.optim.Adam (Kingma & Ba 2015); weightDecay is an L2 term added to the gradient. */
export class Adam extends Optimizer<AdamOptions> {
  constructor(parameters: Parameters<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(parameters, { ...adamDefaults, weightDecay: 0, ...options });
  }

  protected update(
    p: tf.Variable,
    g: tf.Tensor,
    h: AdamOptions,
    lr: number,
    step: number,
    slot: (name: string) => tf.Variable,
  ) {
    const gradient = h.weightDecay > 0 ? tf.add(g, tf.mul(h.weightDecay, p)) : g;
    if (fusedAdamUpdateAvailable()) return fusedAdamStep(p, gradient, h, lr, step, slot, 1);
    return adamStep(p, gradient, h, lr, step, slot);
  }
}

/**
 * torch.optim.AdamW (Loshchilov & Hutter 2019): weight decay decoupled from the gradient,
 * p ← p·(1 − lr·λ) before the Adam step. Put biases and norm weights in a group with
 * weightDecay 0 (see `weightDecayGroups`).
 */
export class AdamW extends Optimizer<AdamOptions> {
  constructor(parameters: Parameters<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(parameters, { ...adamDefaults, weightDecay: 1e-2, ...options });
  }

  protected update(
    p: tf.Variable,
    g: tf.Tensor,
    h: AdamOptions,
    lr: number,
    step: number,
    slot: (name: string) => tf.Variable,
  ) {
    if (fusedAdamUpdateAvailable()) return fusedAdamStep(p, g, h, lr, step, slot, 1 - lr * h.weightDecay);
    const decayed = h.weightDecay > 0 ? tf.mul(p, 1 - lr * h.weightDecay) : p;
    return adamStep(decayed, g, h, lr, step, slot);
  }
}

export interface RMSpropOptions {
  learningRate: number;
  /** Smoothing constant of the squared-gradient average (PyTorch's alpha). */
  alpha: number;
  epsilon: number;
  momentum: number;
  weightDecay: number;
}

/** torch.optim.RMSprop (uncentered). */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(parameters: Parameters<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(parameters, { learningRate: 1e-2, alpha: 0.99, epsilon: 1e-8, momentum: 0, weightDecay: 0, ...options });
  }

  protected update(
    p: tf.Variable,
    g: tf.Tensor,
    h: RMSpropOptions,
    lr: number,
    _step: number,
    slot: (name: string) => tf.Variable,
  ) {
    const gradient = h.weightDecay > 0 ? tf.add(g, tf.mul(h.weightDecay, p)) : g;
    const squareAverage = slot('square_avg');
    const average = tf.add(tf.mul(h.alpha, squareAverage), tf.mul(1 - h.alpha, tf.square(gradient)));
    squareAverage.assign(average);
    const scaled = tf.div(gradient, tf.add(tf.sqrt(average), h.epsilon));
    if (h.momentum > 0) {
      const buffer = slot('momentum_buffer');
      const updated = tf.add(tf.mul(h.momentum, buffer), scaled);
      buffer.assign(updated);
      return tf.sub(p, tf.mul(lr, updated));
    }
    return tf.sub(p, tf.mul(lr, scaled));
  }
}

export interface AdagradOptions {
  learningRate: number;
  learningRateDecay: number;
  epsilon: number;
  weightDecay: number;
  initialAccumulatorValue: number;
}

/** torch.optim.Adagrad (Duchi et al. 2011). */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(parameters: Parameters<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super(parameters, {
      learningRate: 1e-2,
      learningRateDecay: 0,
      epsilon: 1e-10,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      ...options,
    });
  }

  protected update(
    p: tf.Variable,
    g: tf.Tensor,
    h: AdagradOptions,
    lr: number,
    step: number,
    slot: (name: string, initialValue?: () => tf.Tensor) => tf.Variable,
  ) {
    const gradient = h.weightDecay > 0 ? tf.add(g, tf.mul(h.weightDecay, p)) : g;
    const sum = slot('sum', () => tf.fill(p.shape, h.initialAccumulatorValue));
    const accumulated = tf.add(sum, tf.square(gradient));
    sum.assign(accumulated);
    const clippedLearningRate = lr / (1 + (step - 1) * h.learningRateDecay);
    return tf.sub(p, tf.mul(clippedLearningRate, tf.div(gradient, tf.add(tf.sqrt(accumulated), h.epsilon))));
  }
}

/**
 * Splits parameters into two groups, the usual recipe for AdamW: matrices and embeddings decay,
 * biases and normalisation weights (rank < 2) do not — nanoGPT's configure_optimizers rule.
 */
export function weightDecayGroups<H>(parameters: NamedParameters, weightDecay: number): Array<ParameterGroup<H>> {
  const decayed = parameters.filter(([, variable]) => variable.rank >= 2);
  const undecayed = parameters.filter(([, variable]) => variable.rank < 2);
  return [
    { parameters: decayed, options: { weightDecay } as unknown as Partial<H> },
    { parameters: undecayed, options: { weightDecay: 0 } as unknown as Partial<H> },
  ];
}
