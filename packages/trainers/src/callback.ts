import type { Trainer } from './trainer.js';

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
  onTrainBegin?(trainer: Trainer): void | Promise<void>;
  onEpochBegin?(epoch: number, trainer: Trainer): void | Promise<void>;
  onStepEnd?(logs: StepLogs, trainer: Trainer): void | Promise<void>;
  onEvaluationEnd?(logs: EvaluationLogs, trainer: Trainer): void | Promise<void>;
  onEpochEnd?(epoch: number, trainer: Trainer): void | Promise<void>;
  onTrainEnd?(trainer: Trainer): void | Promise<void>;
}
