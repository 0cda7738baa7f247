import {
  type AnyModule,
  type CollateFunction,
  type Dataset,
  type FieldDtypes,
  type GradientTransform,
  type Task,
  TesseraError,
} from '@tessera/core';
import { clientsPerRound, selectClients } from './client-selection.js';
import { checkLocalOptions, type OptimizerFactory, trainLocally } from './local-training.js';
import { cloneState, disposeState, type ModelState } from './model-state.js';
import { deriveSeed } from './seeds.js';
import { UpdateAggregator } from './update-aggregator.js';

export interface FederatedAveragingOptions<Example, Batch> {
  /** The global model: trained in place; after the run it holds the final global weights. */
  model: AnyModule;
  task: Task<Batch, AnyModule>;
  /** One dataset per client (e.g. `subset(train, indices)` for each entry of a partition). */
  clientDatasets: Dataset<Example>[];
  /** Communication rounds to run (fewer when `stopWhen` says so). */
  rounds: number;
  /** C: fraction of clients selected each round (default 0.1). */
  clientFraction?: number;
  /** E: local epochs per round (default 1). */
  localEpochs?: number;
  /** B: local batch size (default 10); `Infinity` for full-batch local steps. */
  localBatchSize?: number;
  /** A fresh optimizer per client and round, e.g. `(p) => new SGD(p, { learningRate: 0.05 })`. */
  createOptimizer: OptimizerFactory;
  /** FedProx's μ (default 0: FedAvg). */
  proximalStrength?: number;
  /** Server-side L2 bound on each client's update (default: none). See `clipUpdate`. */
  maxUpdateNorm?: number;
  /** Extra local gradient transforms (e.g. DP-SGD). */
  gradientTransforms?: GradientTransform[];
  /** Seed of client selection and local shuffles (default 0). */
  seed?: number;
  /** Shuffle local data every epoch (default true). */
  shuffle?: boolean;
  dtypes?: FieldDtypes;
  collate?: CollateFunction<Example, Batch>;
  /** Metrics of the global model after a round (e.g. test accuracy); `model` holds the new weights. */
  evaluate?: (model: AnyModule, round: number) => Record<string, number> | Promise<Record<string, number>>;
  /** Evaluate every this many rounds and after the last (default 1). */
  evaluateEvery?: number;
  /** Called after every round, e.g. to log progress. */
  onRoundEnd?: (summary: RoundSummary) => void | Promise<void>;
  /** Ends the run after the round for which it returns true (e.g. a target accuracy reached). */
  stopWhen?: (summary: RoundSummary) => boolean;
}

/** What happened in one communication round. */
export interface RoundSummary {
  /** 1 for the first round. */
  round: number;
  /** Indices of the selected clients. */
  clients: number[];
  /** Σ n_k over the selected clients. */
  exampleCount: number;
  /** Mean local training loss, weighted by example count. */
  trainingLoss: number;
  /** L2 norms of the clients' updates before any clipping. */
  updateNorms: number[];
  /** Updates that exceeded maxUpdateNorm and were scaled down. */
  clippedUpdates: number;
  /** Wall time of the round (training and aggregation, not evaluation). */
  seconds: number;
  /** From `evaluate`, when it ran this round. */
  metrics?: Record<string, number>;
}

export interface FederatedAveragingResult {
  rounds: RoundSummary[];
}

/**
 * Federated Averaging (McMahan et al. 2017, Algorithm 1) simulated in one process, and FedProx
 * (Li et al. 2020) with `proximalStrength` > 0. Each round selects max(⌊C·K⌋, 1) of the K
 * clients, trains each from the current global weights for E local epochs with batch B on its
 * own data, and replaces the global weights by w + Σ n_k Δ_k / Σ n_k. One model instance is
 * reused for every client, so memory does not grow with the number of clients.
 */
export async function runFederatedAveraging<Example, Batch>(
  options: FederatedAveragingOptions<Example, Batch>,
): Promise<FederatedAveragingResult> {
  const { model, clientDatasets } = options;
  const localEpochs = options.localEpochs ?? 1;
  const localBatchSize = options.localBatchSize ?? 10;
  const clientFraction = options.clientFraction ?? 0.1;
  const evaluateEvery = options.evaluateEvery ?? 1;
  const seed = options.seed ?? 0;
  checkLocalOptions(localEpochs, localBatchSize);
  if (!Array.isArray(clientDatasets) || clientDatasets.length === 0) {
    throw new TesseraError(
      'E_FEDERATED_OPTIONS',
      'clientDatasets must be a non-empty array of datasets, one per client',
    );
  }
  clientDatasets.forEach((dataset, index) => {
    if (!(dataset?.length >= 1)) {
      throw new TesseraError('E_FEDERATED_DATA', `client ${index} has no examples; every client needs at least one`);
    }
  });
  if (!Number.isSafeInteger(options.rounds) || options.rounds < 1) {
    throw new TesseraError('E_FEDERATED_OPTIONS', `rounds must be a positive integer, got ${String(options.rounds)}`);
  }
  clientsPerRound(clientDatasets.length, clientFraction); // validates C

  const history: RoundSummary[] = [];
  let global: ModelState = cloneState(model.stateDict());
  try {
    for (let round = 1; round <= options.rounds; round++) {
      const started = performance.now();
      const clients = selectClients(clientDatasets.length, clientFraction, { round, seed });
      const exampleCount = clients.reduce(
        (total, client) => total + (clientDatasets[client] as Dataset<Example>).length,
        0,
      );
      const aggregator = new UpdateAggregator(
        global,
        options.maxUpdateNorm === undefined ? {} : { maxUpdateNorm: options.maxUpdateNorm },
      );
      const updateNorms: number[] = [];
      let clippedUpdates = 0;
      let lossSum = 0;
      try {
        for (const client of clients) {
          const result = await trainLocally(
            {
              model,
              task: options.task,
              dataset: clientDatasets[client] as Dataset<Example>,
              epochs: localEpochs,
              batchSize: localBatchSize,
              createOptimizer: options.createOptimizer,
              seed: deriveSeed(seed, round, client),
              ...(options.proximalStrength !== undefined ? { proximalStrength: options.proximalStrength } : {}),
              ...(options.gradientTransforms !== undefined ? { gradientTransforms: options.gradientTransforms } : {}),
              ...(options.shuffle !== undefined ? { shuffle: options.shuffle } : {}),
              ...(options.dtypes !== undefined ? { dtypes: options.dtypes } : {}),
              ...(options.collate !== undefined ? { collate: options.collate } : {}),
            },
            global,
          );
          try {
            const added = aggregator.add(result.update);
            updateNorms.push(added.norm);
            if (added.clipped) clippedUpdates += 1;
            lossSum += result.meanLoss * result.update.exampleCount;
          } finally {
            disposeState(result.update.delta);
          }
        }
        const next = aggregator.applyTo(global);
        disposeState(global);
        global = next;
      } finally {
        aggregator.reset();
      }
      model.loadStateDict(global);
      const summary: RoundSummary = {
        round,
        clients,
        exampleCount,
        trainingLoss: lossSum / exampleCount,
        updateNorms,
        clippedUpdates,
        seconds: (performance.now() - started) / 1000,
      };
      if (options.evaluate !== undefined && (round % evaluateEvery === 0 || round === options.rounds)) {
        summary.metrics = await options.evaluate(model, round);
      }
      history.push(summary);
      await options.onRoundEnd?.(summary);
      if (options.stopWhen?.(summary) === true) break;
    }
  } finally {
    disposeState(global);
  }
  return { rounds: history };
}
