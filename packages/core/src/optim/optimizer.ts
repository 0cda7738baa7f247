import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../errors.js';

/** Parameters by dotted name, as `Module.trainableParameters()` returns them. */
export type NamedParameters = Array<[string, tf.Variable]>;

/** Gradients keyed by their parameters' dotted names (@tessera/spec's `NamedGradients`). */
import type { NamedGradients } from '@tessera/spec';

export type { NamedGradients };

/** A set of parameters sharing hyperparameters (e.g. no weight decay for biases and norms). */
export interface ParameterGroup<Hyperparameters> {
  parameters: NamedParameters;
  /** Overrides of the optimizer's defaults for this group only. */
  options?: Partial<Hyperparameters>;
}

/** What an optimizer saves: its tensors (for safetensors) and everything else (for JSON). */
export interface OptimizerState {
  /** Per-parameter slots keyed `${parameterName}.${slot}`, e.g. `head.weight.exp_avg`. */
  tensors: Record<string, tf.Tensor>;
  /** Step counts per parameter, the learning-rate factor and the group hyperparameters. */
  config: { steps: Record<string, number>; learningRateFactor: number; groups: Array<Record<string, unknown>> };
}

/**
 * One parameter group after construction: its parameters and its hyperparameters with the
 * optimizer's defaults filled in. Subclasses read these in `step`; `setHyperparameters` updates them.
 */
export interface ResolvedGroup<Hyperparameters> {
  parameters: NamedParameters;
  hyperparameters: Hyperparameters;
}

/**
 * The optimizer contract trainers and federated clients drive: `step(gradients)` applies one
 * update to every parameter that has a gradient. `learningRateFactor` is what a
 * `LearningRateSchedule` sets each step; a group's effective learning rate is its own
 * `learningRate` times the factor, so per-group rates keep their ratios under any schedule.
 * Update rules follow PyTorch's torch.optim exactly, so hyperparameters transfer.
 */
export abstract class Optimizer<Hyperparameters extends { learningRate: number }> {
  learningRateFactor = 1;
  protected readonly groups: Array<ResolvedGroup<Hyperparameters>>;
  private readonly slots = new Map<string, tf.Variable>();
  private readonly steps = new Map<string, number>();

  constructor(parameters: NamedParameters | Array<ParameterGroup<Hyperparameters>>, defaults: Hyperparameters) {
    const groups: Array<ParameterGroup<Hyperparameters>> =
      parameters.length > 0 && !Array.isArray(parameters[0])
        ? (parameters as Array<ParameterGroup<Hyperparameters>>)
        : [{ parameters: parameters as NamedParameters }];
    const seen = new Set<string>();
    this.groups = groups.map((group) => {
      for (const [name] of group.parameters) {
        if (seen.has(name))
          throw new TesseraError('E_OPTIMIZER_GROUPS', `parameter '${name}' is in more than one group`);
        seen.add(name);
      }
      const hyperparameters = { ...defaults, ...group.options };
      this.validate(hyperparameters);
      return { parameters: group.parameters, hyperparameters };
    });
  }

  /** Checks hyperparameters; throws a TesseraError naming the bad one. */
  protected validate(hyperparameters: Hyperparameters): void {
    for (const [key, value] of Object.entries(hyperparameters)) {
      if (typeof value === 'number' && !(Number.isFinite(value) && value >= 0)) {
        throw new TesseraError('E_OPTIMIZER_OPTION', `${key} must be a finite number ≥ 0, got ${value}`);
      }
    }
  }

  /**
   * Computes the new value of one parameter. `step` counts this parameter's updates from 1;
   * `slot(name, init)` returns the parameter's persistent state tensor of that name.
   */
  protected abstract update(
    parameter: tf.Variable,
    gradient: tf.Tensor,
    hyperparameters: Hyperparameters,
    learningRate: number,
    step: number,
    slot: (name: string, initialValue?: () => tf.Tensor) => tf.Variable,
  ): tf.Tensor;

  /** Applies one update to every parameter with a gradient. The caller keeps the gradients. */
  step(gradients: NamedGradients): void {
    tf.tidy(() => {
      for (const group of this.groups) {
        const learningRate = group.hyperparameters.learningRate * this.learningRateFactor;
        for (const [name, parameter] of group.parameters) {
          const gradient = gradients[name];
          if (gradient === undefined) continue;
          if (!tf.util.arraysEqual(gradient.shape, parameter.shape)) {
            throw new TesseraError(
              'E_OPTIMIZER_GRADIENT',
              `gradient for '${name}' has shape [${gradient.shape}], the parameter [${parameter.shape}]`,
            );
          }
          const step = (this.steps.get(name) ?? 0) + 1;
          this.steps.set(name, step);
          const slot = (slotName: string, initialValue?: () => tf.Tensor) => {
            const key = `${name}.${slotName}`;
            let variable = this.slots.get(key);
            if (variable === undefined) {
              variable = tf.variable(initialValue?.() ?? tf.zerosLike(parameter), false);
              this.slots.set(key, variable);
            }
            return variable;
          };
          parameter.assign(this.update(parameter, gradient, group.hyperparameters, learningRate, step, slot));
        }
      }
    });
  }

  /** Effective learning rate of each group right now. */
  get learningRates(): number[] {
    return this.groups.map((group) => group.hyperparameters.learningRate * this.learningRateFactor);
  }

  /** The optimizer's state; the tensors are its own (do not dispose). */
  stateDict(): OptimizerState {
    return {
      tensors: Object.fromEntries(this.slots),
      config: {
        steps: Object.fromEntries(this.steps),
        learningRateFactor: this.learningRateFactor,
        groups: this.groups.map((group) => ({ ...group.hyperparameters })),
      },
    };
  }

  /** Restores a state saved by `stateDict` (values are copied; the caller keeps `state`). */
  loadStateDict(state: OptimizerState): void {
    const names = new Set(this.groups.flatMap((group) => group.parameters.map(([name]) => name)));
    for (const key of Object.keys(state.tensors)) {
      const parameterName = key.slice(0, key.lastIndexOf('.'));
      if (!names.has(parameterName)) {
        throw new TesseraError(
          'E_OPTIMIZER_STATE',
          `optimizer state has '${key}' for a parameter this optimizer does not own`,
        );
      }
    }
    if (state.config.groups.length !== this.groups.length) {
      throw new TesseraError(
        'E_OPTIMIZER_STATE',
        `optimizer state has ${state.config.groups.length} parameter groups, this optimizer ${this.groups.length}`,
      );
    }
    for (const variable of this.slots.values()) variable.dispose();
    this.slots.clear();
    for (const [key, value] of Object.entries(state.tensors)) this.slots.set(key, tf.variable(tf.clone(value), false));
    this.steps.clear();
    for (const [name, count] of Object.entries(state.config.steps)) this.steps.set(name, count);
    this.learningRateFactor = state.config.learningRateFactor;
    state.config.groups.forEach((hyperparameters, index) => {
      (this.groups[index] as ResolvedGroup<Hyperparameters>).hyperparameters = hyperparameters as Hyperparameters;
    });
  }

  /** Frees the optimizer's state tensors. */
  dispose(): void {
    for (const variable of this.slots.values()) variable.dispose();
    this.slots.clear();
  }
}
