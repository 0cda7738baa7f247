import type { AnyModule, Optimizer } from '@tessera/core';
import type { TrainerPosition } from './checkpoint.js';

/**
 * What a callback sees of the trainer that runs it: where the run stands, the switch that ends
 * it, the state kept in checkpoints, the model and optimizer, and checkpoint saving. `Trainer`
 * implements it; callbacks depend on this, not on the class, so they can be driven by any loop.
 */
export interface TrainerHandle {
  /** Where the run stands; saved in checkpoints. */
  readonly position: TrainerPosition;
  /** Set to true to end the run after the current step. */
  stopTraining: boolean;
  /** Values callbacks keep in checkpoints (e.g. early stopping's best); JSON-serialisable. */
  readonly extraState: Record<string, unknown>;
  readonly model: AnyModule;
  readonly optimizer: Optimizer<{ learningRate: number }>;
  /** Saves model, optimizer, position, the global random state and `extraState` to `directory`. */
  saveCheckpoint(directory: string): Promise<void>;
}

/** After every optimizer step. */
export interface StepLogs {
  /** Optimizer steps taken so far (1 after the first update). */
  step: number;
  epoch: number;
  /** Mean loss over the step's micro-batches. */
  loss: number;
  /** The first parameter group's effective learning rate. */
  learningRate: number;
  /** Examples (or tokens) per second over the step. */
  itemsPerSecond: number;
  elapsedSeconds: number;
  /** The run's step budget, when known (for progress and ETA). */
  totalSteps: number | undefined;
}

/** After each evaluation pass. */
export interface EvaluationLogs {
  step: number;
  epoch: number;
  loss: number;
  metrics: Record<string, number>;
}

/**
 * Hooks into the training loop (Keras/PyTorch Lightning style). Every hook is optional and may
 * be async; the trainer awaits it. Set `trainer.stopTraining = true` to end the run after the
 * current step.
 */
export interface Callback {
  onTrainBegin?(trainer: TrainerHandle): void | Promise<void>;
  onEpochBegin?(epoch: number, trainer: TrainerHandle): void | Promise<void>;
  onStepEnd?(logs: StepLogs, trainer: TrainerHandle): void | Promise<void>;
  onEvaluationEnd?(logs: EvaluationLogs, trainer: TrainerHandle): void | Promise<void>;
  onEpochEnd?(epoch: number, trainer: TrainerHandle): void | Promise<void>;
  onTrainEnd?(trainer: TrainerHandle): void | Promise<void>;
}
