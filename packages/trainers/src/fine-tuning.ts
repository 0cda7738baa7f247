import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AnyModule,
  loadSafetensors,
  type ParameterGroup,
  parameterNameMatcher,
  TesseraError,
  tf,
} from '@tessera/core';
import type { Callback } from './callback.js';
import { findCheckpoint } from './checkpoint-files.js';

export interface LoadPretrainedReport {
  loaded: string[];
  /** In the model but not in the weights (e.g. a new head): left as initialised. */
  missingKeys: string[];
  /** In the weights but not in the model (e.g. the old head): ignored. */
  unexpectedKeys: string[];
  /** Same name, different shape (e.g. a head with another class count): left as initialised. */
  mismatchedKeys: string[];
}

/**
 * Loads pretrained weights into a model whose head may differ: from a state dict, a
 * `.safetensors` file, a checkpoint directory (its model.safetensors) or a run directory (its
 * last checkpoint). Matching names and shapes are copied; the report lists the rest.
 */
export async function loadPretrainedWeights(
  model: AnyModule,
  source: string | Record<string, tf.Tensor>,
  options: { strict?: boolean } = {},
): Promise<LoadPretrainedReport> {
  let state = source as Record<string, tf.Tensor>;
  let owned = false;
  if (typeof source === 'string') {
    let file = source;
    if (
      await stat(source).then(
        (stats) => stats.isDirectory(),
        () => false,
      )
    ) {
      // A run's last checkpoint, or its previous copy when a save was killed between its renames.
      const last = (await findCheckpoint(join(source, 'checkpoints', 'last'))) ?? join(source, 'checkpoints', 'last');
      const candidates = [join(source, 'model.safetensors'), join(last, 'model.safetensors')];
      file = (
        await Promise.all(
          candidates.map((path) =>
            stat(path).then(
              () => path,
              () => undefined,
            ),
          ),
        )
      ).find((path) => path !== undefined) as string;
      if (file === undefined)
        throw new TesseraError('E_PRETRAINED', `no model.safetensors in ${source} or its checkpoints/last`);
    }
    state = (await loadSafetensors(file)).tensors;
    owned = true;
  }
  try {
    const report = model.loadStateDict(state, { strict: options.strict ?? false });
    const mismatched = new Set(report.mismatchedKeys.map((entry) => entry.split(' ')[0]));
    const loaded = Object.keys(state).filter((name) => !report.unexpectedKeys.includes(name) && !mismatched.has(name));
    return { loaded, ...report };
  } finally {
    if (owned) tf.dispose(Object.values(state));
  }
}

export interface GroupRule<Hyperparameters> {
  /** Parameters whose dotted names match (glob as in Module.freeze, or RegExp). */
  pattern: string | RegExp;
  options: Partial<Hyperparameters>;
}

/**
 * Parameter groups by name: each parameter joins the first rule it matches, the rest form a
 * default group — e.g. a backbone at a tenth of the head's learning rate. Includes frozen
 * parameters, so they train with their group's settings once unfrozen.
 */
export function parameterGroupsByName<Hyperparameters>(
  model: AnyModule,
  rules: Array<GroupRule<Hyperparameters>>,
): Array<ParameterGroup<Hyperparameters>> {
  const groups: Array<ParameterGroup<Hyperparameters>> = rules.map((rule) => ({
    parameters: [],
    options: rule.options,
  }));
  const rest: ParameterGroup<Hyperparameters> = { parameters: [] };
  const matchers = rules.map((rule) => parameterNameMatcher(rule.pattern));
  for (const entry of model.namedParameters()) {
    const index = matchers.findIndex((matches) => matches(entry[0]));
    (index < 0 ? rest : (groups[index] as ParameterGroup<Hyperparameters>)).parameters.push(entry);
  }
  return [...groups, rest].filter((group) => group.parameters.length > 0);
}

/**
 * Gradual unfreezing (ULMFiT-style): at each listed optimizer step, unfreeze the parameters
 * matching its pattern. Build the optimizer over all parameters (frozen ones get no gradient,
 * so it skips them until then).
 */
export function unfreezeSchedule(stages: Array<{ atStep: number; pattern: string | RegExp }>): Callback {
  const apply = (step: number, model: AnyModule, exact: boolean) => {
    for (const stage of stages) {
      if (exact ? stage.atStep === step : stage.atStep <= step) model.unfreeze(stage.pattern);
    }
  };
  return {
    // A resumed run re-applies the stages it has passed.
    onTrainBegin(trainer) {
      apply(trainer.position.step, trainer.model, false);
    },
    onStepEnd(logs, trainer) {
      apply(logs.step, trainer.model, true);
    },
  };
}
