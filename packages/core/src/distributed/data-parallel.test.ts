// Data-parallel training on worker threads (launchDataParallel / joinDataParallel): the
// collectives are exact, training on shards with averaged gradients equals training on the whole
// batch in one process, tensor counts stay flat in the workers, and a failing worker stops the
// group instead of leaving the others waiting forever.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../backend/gradients.js';
import { initBackend } from '../backend/init-backend.js';
import { isTesseraError } from '../errors.js';
import { meanSquaredErrorLoss } from '../losses/regression-losses.js';
import { Activation } from '../nn/activations.js';
import { setGlobalSeed } from '../nn/initializers.js';
import { Sequential } from '../nn/layers/containers.js';
import { Linear } from '../nn/layers/linear.js';
import { computeGradients } from '../optim/gradients.js';
import { Adam } from '../optim/optimizers.js';
import { joinDataParallel, launchDataParallel } from './data-parallel.js';
import { SharedMemoryGroup, sharedMemoryGroupBytes } from './shared-memory-group.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('data-parallel collectives', () => {
  it('average gradients, broadcast rank 0, average a scalar and split a batch, across 3 workers, chunk by chunk', async () => {
    // A chunk of 4 floats: the 6-element weight goes through in two round trips.
    const results = await launchDataParallel<{
      rank: number;
      weight: number[];
      bias: number[];
      parameter: number[];
      loss: number;
      shard: { start: number; end: number };
    }>(fixture('collectives-worker.mjs'), { workers: 3, chunkLength: 4, data: { rows: 10 } });
    expect(results.map((result) => result.rank)).toEqual([0, 1, 2]);
    for (const result of results) {
      // mean over ranks 0, 1, 2 of (k + rank) is k + 1; of 10·rank is 10
      expect(result.weight).toEqual([2, 3, 4, 5, 6, 7]);
      expect(result.bias).toEqual([10, -10]);
      expect(result.parameter).toEqual([0.5, 1.5, 2.5]);
      expect(result.loss).toBe(2);
    }
    expect(results.map((result) => result.shard)).toEqual([
      { start: 0, end: 4 },
      { start: 4, end: 7 },
      { start: 7, end: 10 },
    ]);
  });

  it('a group member blocked in a barrier wakes with E_DATA_PARALLEL_ABORTED when the group is torn down', () => {
    const buffer = new SharedArrayBuffer(sharedMemoryGroupBytes(2, 4));
    const group = new SharedMemoryGroup(buffer, 0, 2);
    SharedMemoryGroup.abort(buffer);
    expect(() => group.barrier()).toThrow(/E_DATA_PARALLEL_ABORTED/);
    expect(() => new SharedMemoryGroup(buffer, 2, 2)).toThrow(/E_DATA_PARALLEL: rank 2 is not a member/);
  });
});

describe('data-parallel training', () => {
  it('two workers on half batches each take the same steps as one process on the whole batch, with flat tensor counts', async () => {
    const [rows, features, steps, seed] = [12, 3, 6, 7];
    const random = Array.from({ length: rows * (features + 1) }, (_, index) => Math.sin(index * 12.9898) * 0.5);
    const inputs = random.slice(0, rows * features);
    const targets = random.slice(rows * features);
    const results = await launchDataParallel<{
      losses: number[];
      tensorCounts: number[];
      parameters: Record<string, number[]>;
    }>(fixture('training-worker.mjs'), { workers: 2, data: { inputs, targets, rows, features, steps, seed } });

    // The reference: one process, the whole batch, rank 0's initial weights.
    setGlobalSeed(seed);
    const model = new Sequential(new Linear(features, 8), new Activation('tanh'), new Linear(8, 1));
    const optimizer = new Adam(model.trainableParameters(), { learningRate: 0.05 });
    const x = tf.tensor2d(inputs, [rows, features]);
    const y = tf.tensor2d(targets, [rows, 1]);
    const losses: number[] = [];
    for (let step = 0; step < steps; step++) {
      const loss = tf.tidy(() => {
        const { loss, gradients } = computeGradients(
          model.trainableParameters(),
          () => meanSquaredErrorLoss(model.forward(x), y) as tf.Scalar,
        );
        optimizer.step(gradients);
        return loss;
      });
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
    }
    for (const result of results) {
      // The mean of the two half-batch losses is the whole batch's loss (equal halves).
      result.losses.forEach((loss, step) => {
        expect(loss).toBeCloseTo(losses[step]!, 5);
      });
      for (const [name, variable] of model.trainableParameters()) {
        const expected = Array.from(variable.dataSync());
        result.parameters[name]!.forEach((value, index) => {
          expect(value).toBeCloseTo(expected[index]!, 5);
        });
      }
      expect(new Set(result.tensorCounts).size).toBe(1);
    }
    expect(results[1]!.parameters).toEqual(results[0]!.parameters); // replicas bit-identical
    expect(losses[steps - 1]).toBeLessThan(losses[0]!);
    tf.dispose([x, y]);
    model.dispose();
    optimizer.dispose();
  });

  it('a worker that throws stops the group: the launch rejects with its error, naming the worker', async () => {
    const launched = launchDataParallel(fixture('failing-worker.mjs'), { workers: 2 });
    await expect(launched).rejects.toThrow(/^E_TEST_FAILURE: worker 1: rank 1 gave up/);
    await launched.catch((error) => expect(isTesseraError(error, 'E_TEST_FAILURE')).toBe(true));
  });

  it('refuses to average when workers hold different gradients, on every worker', async () => {
    await expect(launchDataParallel(fixture('mismatched-gradients-worker.mjs'), { workers: 2 })).rejects.toThrow(
      /^E_DATA_PARALLEL_GRADIENTS: worker [01]: worker [01] has (4|7) gradient values but the workers' mean is 5\.5/,
    );
  });

  it('refuses bad options and joining outside a launched worker', async () => {
    await expect(launchDataParallel(fixture('collectives-worker.mjs'), { workers: 0 })).rejects.toThrow(
      /E_DATA_PARALLEL: workers must be a positive integer/,
    );
    expect(() => joinDataParallel()).toThrow(/E_DATA_PARALLEL: joinDataParallel\(\) runs in a worker/);
  });
});
