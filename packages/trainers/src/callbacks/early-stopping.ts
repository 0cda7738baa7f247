import { tf } from '@tessera/core';
import type { Callback } from '../callback.js';
import { improves, monitoredValue } from './monitor.js';

export interface EarlyStoppingOptions {
  /** 'loss' (evaluation loss, default) or a metric name. */
  monitor?: string;
  /** 'min' for losses (default), 'max' for accuracy-like metrics. */
  mode?: 'min' | 'max';
  /** Evaluations without improvement before stopping (default 3). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minimumDelta?: number;
  /** At the end, load the weights from the best evaluation (default true). */
  restoreBestWeights?: boolean;
}

/** Stops training when the monitored evaluation value stops improving (Keras's EarlyStopping). */
export function earlyStopping(options: EarlyStoppingOptions = {}): Callback {
  const monitor = options.monitor ?? 'loss';
  const mode = options.mode ?? 'min';
  const patience = options.patience ?? 3;
  let best: number | undefined;
  let waited = 0;
  let bestWeights: Record<string, tf.Tensor> | undefined;
  return {
    onTrainBegin(trainer) {
      const saved = trainer.extraState.earlyStopping as { best?: number; waited?: number } | undefined;
      best = saved?.best;
      waited = saved?.waited ?? 0;
    },
    onEvaluationEnd(logs, trainer) {
      const value = monitoredValue(logs, monitor);
      if (improves(value, best, mode, options.minimumDelta)) {
        best = value;
        waited = 0;
        if (options.restoreBestWeights !== false) {
          tf.dispose(Object.values(bestWeights ?? {}));
          bestWeights = Object.fromEntries(
            Object.entries(trainer.model.stateDict()).map(([name, t]) => [name, tf.clone(t)]),
          );
        }
      } else {
        waited += 1;
        if (waited >= patience) trainer.stopTraining = true;
      }
      trainer.extraState.earlyStopping = { best, waited };
    },
    onTrainEnd(trainer) {
      if (bestWeights !== undefined) {
        trainer.model.loadStateDict(bestWeights);
        tf.dispose(Object.values(bestWeights));
        bestWeights = undefined;
      }
    },
  };
}
