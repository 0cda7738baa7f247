import {
  Activation,
  classificationTask,
  datasetFromColumns,
  initBackend,
  Linear,
  type NamedParameters,
  Sequential,
  SGD,
  tf,
} from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientsPerRound, selectClients } from './client-selection.js';
import { type FederatedAveragingOptions, type RoundSummary, runFederatedAveraging } from './federated-averaging.js';
import reference from './fixtures/fedavg-reference.json' with { type: 'json' };

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const clientDatasets = reference.clients.map((client) =>
  datasetFromColumns({
    features: { values: Float32Array.from(client.features.flat()), rowLength: 4 },
    labels: Int32Array.from(client.labels),
  }),
);

/** The fixture's MLP: 4 → 5 → tanh → 3, names 0.weight … 2.bias as in the PyTorch script. */
function referenceModel(): Sequential {
  const model = new Sequential(new Linear(4, 5), new Activation('tanh'), new Linear(5, 3));
  const shapes: Record<string, number[]> = { '0.weight': [4, 5], '0.bias': [5], '2.weight': [5, 3], '2.bias': [3] };
  const initial = Object.fromEntries(
    Object.entries(reference.initial).map(([name, values]) => [name, tf.tensor(values, shapes[name])]),
  );
  model.loadStateDict(initial);
  tf.dispose(Object.values(initial));
  return model;
}

function run(
  model: Sequential,
  overrides: Partial<FederatedAveragingOptions<unknown, Record<string, tf.Tensor>>>,
): Promise<{ rounds: RoundSummary[] }> {
  return runFederatedAveraging({
    model,
    task: classificationTask(),
    clientDatasets,
    rounds: 2,
    clientFraction: 1,
    localEpochs: 2,
    localBatchSize: 3,
    shuffle: false,
    createOptimizer: (parameters: NamedParameters) => new SGD(parameters, { learningRate: 0.1 }),
    ...overrides,
  } as FederatedAveragingOptions<unknown, Record<string, tf.Tensor>>);
}

function expectWeights(model: Sequential, expected: Record<string, number[]>): void {
  const state = model.stateDict();
  for (const [name, values] of Object.entries(expected)) {
    const actual = Array.from((state[name] as tf.Tensor).dataSync());
    for (const [index, value] of actual.entries()) expect(value).toBeCloseTo(values[index] as number, 5);
  }
}

describe('runFederatedAveraging against a PyTorch 1.13 reference', { timeout: 30_000 }, () => {
  it('FedAvg (C = 1, E = 2, B = 3, SGD) reproduces two rounds of global weights', async () => {
    const model = referenceModel();
    const { rounds } = await run(model, {});
    expectWeights(model, reference.fedavg.weights);
    for (const [index, norm] of rounds[0]!.updateNorms.entries()) {
      expect(norm).toBeCloseTo(reference.fedavg.updateNorms[0]![index]!, 5);
    }
    expect(rounds.map((round) => round.exampleCount)).toEqual([16, 16]);
    model.dispose();
  });

  it('FedProx (μ = 0.5) reproduces the proximal trajectory', async () => {
    const model = referenceModel();
    await run(model, { proximalStrength: reference.fedprox.mu });
    expectWeights(model, reference.fedprox.weights);
    model.dispose();
  });

  it('clips every update to maxUpdateNorm on the server before averaging', async () => {
    const model = referenceModel();
    const { rounds } = await run(model, { rounds: 1, maxUpdateNorm: reference.clipped.maxUpdateNorm });
    expectWeights(model, reference.clipped.weights);
    expect(rounds[0]!.clippedUpdates).toBe(3);
    model.dispose();
  });
});

describe('runFederatedAveraging', { timeout: 30_000 }, () => {
  it('keeps tf.memory().numTensors flat across rounds', async () => {
    const model = referenceModel();
    const counts: number[] = [];
    await run(model, {
      rounds: 4,
      clientFraction: 0.5,
      shuffle: true,
      proximalStrength: 0.1,
      maxUpdateNorm: 0.3,
      onRoundEnd: () => void counts.push(tf.memory().numTensors),
    });
    expect(new Set(counts).size).toBe(1);
    model.dispose();
  });

  it('selects max(⌊C·K⌋, 1) clients per round, reproducibly by seed and round', async () => {
    const model = referenceModel();
    const { rounds } = await run(model, { rounds: 4, clientFraction: 0.34, seed: 3 });
    for (const round of rounds) expect(round.clients).toHaveLength(1);
    const again = referenceModel();
    const repeated = await run(again, { rounds: 4, clientFraction: 0.34, seed: 3 });
    expect(repeated.rounds.map((round) => round.clients)).toEqual(rounds.map((round) => round.clients));
    model.dispose();
    again.dispose();
  });

  it('evaluates, reports progress and stops early when asked', async () => {
    const model = referenceModel();
    const seen: number[] = [];
    const { rounds } = await run(model, {
      rounds: 5,
      evaluate: (_, round) => ({ round }),
      onRoundEnd: (summary) => void seen.push(summary.round),
      stopWhen: (summary) => summary.round === 3,
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(rounds.map((round) => round.metrics?.round)).toEqual([1, 2, 3]);
    expect(rounds[0]!.trainingLoss).toBeGreaterThan(0);
    model.dispose();
  });

  it('rejects bad options with clear errors', async () => {
    const model = referenceModel();
    await expect(run(model, { localEpochs: 0 })).rejects.toThrow(
      /E_FEDERATED_OPTIONS: localEpochs \(E\) must be a positive integer/,
    );
    await expect(run(model, { localBatchSize: 2.5 })).rejects.toThrow(/localBatchSize \(B\)/);
    await expect(run(model, { clientFraction: 1.5 })).rejects.toThrow(
      /clientFraction \(C\) must be a number in \[0, 1\]/,
    );
    await expect(run(model, { clientDatasets: [] })).rejects.toThrow(/clientDatasets must be a non-empty array/);
    model.dispose();
  });
});

describe('client selection', () => {
  it('follows McMahan et al.: m = max(C·K, 1)', () => {
    expect(clientsPerRound(100, 0.1)).toBe(10);
    expect(clientsPerRound(100, 0)).toBe(1);
    expect(clientsPerRound(30, 0.1)).toBe(3);
    expect(clientsPerRound(10, 0.7)).toBe(7);
    expect(clientsPerRound(3, 1)).toBe(3);
    expect(clientsPerRound(5, 0.1, 2)).toBe(2);
  });

  it('samples without replacement, uniformly over many rounds', () => {
    const counts = new Array<number>(20).fill(0);
    for (let round = 1; round <= 2000; round++) {
      const chosen = selectClients(20, 0.25, { round, seed: 9 });
      expect(new Set(chosen).size).toBe(5);
      for (const client of chosen) counts[client] = (counts[client] as number) + 1;
    }
    // Each client is chosen with probability 1/4: 500 expected, sd √(2000·¼·¾) ≈ 19.4.
    for (const count of counts) expect(Math.abs(count - 500)).toBeLessThan(5 * 19.4);
  });
});
